/*
 * The network side: one token exchange (whose answer also gives the server's clock), then one REST call with the
 * token. A refusal is recorded for the diagnosis, which ranks its causes once every group has run.
 */
import { fail, failFromError, pass, skip, warn, type Check } from '../../report/check.js';
import { isJwtSetupError, reason } from '../../errors.js';
import { httpRequest } from '../../exchange/http.js';
import { obtainToken, type LoginAttempt } from '../../exchange/token.js';
import { baseUrlText } from '../../jwt/endpoint.js';
import { latestApiVersion, ORGANIZATION_QUERY, soqlAt } from '../../org/details.js';
import type { LoadedKey } from '../../keys/private-key.js';
import type { DoctorInputs } from '../context.js';
import { diagnoseExchange } from '../diagnosis.js';
import { defineGroup, type ExchangeFacts, type ExchangeOutcome } from '../group.js';
import { m } from '../messages.js';

export const EXCHANGE_CHECK_IDS = ['endpoint.reachable', 'endpoint.clock', 'exchange', 'api'] as const;
export type ExchangeCheckId = (typeof EXCHANGE_CHECK_IDS)[number];
type ExchangeCheck = Check<ExchangeCheckId>;

/** Local clock against the server's Date header (1 s resolution), corrected by half the round trip. */
export function clockCheck(answer: { date?: Date; at: number } | undefined, started: number): Check<'endpoint.clock'> {
  const title = m('clock.title');
  if (!answer?.date) return skip('endpoint.clock', title, m('clock.noDate'));
  const localAtServer = started + (answer.at - started) / 2;
  const skew = Math.round((localAtServer - answer.date.getTime()) / 1000);
  const size = Math.abs(skew);
  const detail = m(skew >= 0 ? 'clock.aheadBy' : 'clock.behindBy', [size]);
  if (size > 180) return fail('endpoint.clock', title, detail, m('clock.fix'));
  if (size > 60) return warn('endpoint.clock', title, detail, m('clock.fix'));
  return pass('endpoint.clock', title, m('clock.pass', [size]));
}

async function apiCheck(instanceUrl: string, accessToken: string, deadline: number): Promise<Check<'api'>> {
  const title = m('api.title');
  try {
    const version = (await latestApiVersion(instanceUrl, deadline)) ?? '51.0';
    const response = await httpRequest({
      method: 'GET',
      url: new URL(`${instanceUrl}${soqlAt(`v${version}`, ORGANIZATION_QUERY)}`),
      headers: { Authorization: `Bearer ${accessToken}` },
      deadline,
    });
    if (response.status === 200) return pass('api', title, m('api.pass'));
    let code = `HTTP ${response.status}`;
    try {
      const body = JSON.parse(response.body) as Array<{ errorCode?: string }>;
      if (Array.isArray(body) && typeof body[0]?.errorCode === 'string') code = body[0].errorCode.slice(0, 60);
    } catch {
      // not JSON: keep the status
    }
    return fail('api', title, m('api.fail', [code]), m('api.fix'));
  } catch (error) {
    return fail(
      'api',
      title,
      m('api.fail', [error instanceof Error ? error.message : reason('requestFailed')]),
      m('api.fix'),
    );
  }
}

async function exchange(
  inputs: DoctorInputs,
  key: LoadedKey,
): Promise<{ checks: ExchangeCheck[]; facts: { exchange: ExchangeOutcome } }> {
  const loginUrl = inputs.loginUrl.value!.url;
  const host = loginUrl.host;
  const timeoutSeconds = inputs.options.timeoutSeconds;
  const started = Date.now();
  let answer: { status: number; date?: Date; at: number } | undefined;
  const facts: ExchangeFacts = { loginUrl: baseUrlText(loginUrl), attempts: [] };
  const outcome: ExchangeOutcome = { facts };
  const done = (checks: ExchangeCheck[]): { checks: ExchangeCheck[]; facts: { exchange: ExchangeOutcome } } => ({
    checks,
    facts: { exchange: outcome },
  });
  try {
    const obtained = await obtainToken(
      {
        loginUrl,
        audiences: inputs.audiences!.value!.audiences,
        clientId: inputs.clientId.value!,
        username: inputs.username.value!,
        privateKey: key.privateKey,
      },
      {
        deadline: started + timeoutSeconds * 1000,
        timeoutSeconds,
        retry: { attempts: 3, baseDelayMs: 300 },
        onResponse: (a) => (answer ??= { ...a, at: a.at }),
      },
    );
    outcome.grant = obtained.grant;
    Object.assign(facts, {
      audience: obtained.audience,
      orgId: obtained.grant.orgId,
      instanceUrl: obtained.grant.instanceUrl,
      scope: obtained.grant.scope,
      attempts: obtained.attempts,
    });
    const { grant } = obtained;
    return done([
      pass(
        'endpoint.reachable',
        m('endpoint.reachableTitle'),
        m('endpoint.reachablePass', [host, answer?.status ?? 200]),
      ),
      clockCheck(answer, started),
      pass(
        'exchange',
        m('exchange.title'),
        m('exchange.pass', [grant.orgId, grant.instanceUrl, obtained.audience, grant.scope ?? '-']),
      ),
      await apiCheck(grant.instanceUrl, grant.accessToken, started + timeoutSeconds * 1000),
    ]);
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    facts.attempts = (error.data as { attempts?: LoginAttempt[] } | undefined)?.attempts ?? [];
    facts.error = { name: error.name, message: error.message };
    if (!answer) {
      return done([
        failFromError('endpoint.reachable', m('endpoint.reachableTitle'), error),
        skip('endpoint.clock', m('clock.title'), m('clock.noAnswer')),
        skip('exchange', m('exchange.title'), m('exchange.unreachable')),
        skip('api', m('api.title'), m('api.noToken')),
      ]);
    }
    outcome.refusal = error;
    return done([
      pass('endpoint.reachable', m('endpoint.reachableTitle'), m('endpoint.reachablePass', [host, answer.status])),
      clockCheck(answer, started),
      // The diagnosis (src/doctor/diagnosis.ts) replaces this once the other groups have reported.
      fail('exchange', m('exchange.title'), error.message, (error.actions ?? []).join(' ')),
      skip('api', m('api.title'), m('api.noToken')),
    ]);
  }
}

export const exchangeGroup = defineGroup({
  name: 'exchange',
  ids: EXCHANGE_CHECK_IDS,
  requires: ['network', 'claims-inputs'],
  needs: ['key'],
  provides: ['exchange'],
  skipped: (condition) =>
    condition === 'network'
      ? [
          skip('endpoint.reachable', m('endpoint.reachableTitle'), m('offline')),
          skip('endpoint.clock', m('clock.title'), m('offline')),
          skip('exchange', m('exchange.title'), m('offline')),
          skip('api', m('api.title'), m('offline')),
        ]
      : [skip('exchange', m('exchange.title'), m('exchange.notReady'))],
  async run(inputs, needed) {
    const key = await needed.key;
    if (!key) return { checks: [skip('exchange', m('exchange.title'), m('exchange.notReady'))] };
    return exchange(inputs, key);
  },
  /** A refusal, explained once every group has reported: its causes ranked by what the other checks found. */
  review(inputs, facts, own, all) {
    const refusal = facts.exchange?.refusal;
    if (!refusal) return own;
    return own.map((c) => (c.id === 'exchange' ? diagnoseExchange(inputs, facts, refusal, all) : c));
  },
});
