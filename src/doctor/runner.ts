/*
 * Doctor: check everything that can be checked about a JWT setup, locally first, then one exchange and one REST call.
 * Never stops at the first problem. The runner resolves the inputs once, runs the catalogue's groups (recording a
 * skip with its reason when a group's need is missing), ranks the causes of a refused exchange, and returns the
 * checks as data.
 */
import type { Credentials } from '../auth/credentials.js';
import { resolveAudiences, resolveClientId, resolveLoginUrl, resolveUsername } from '../auth/inputs.js';
import type { Check } from '../checks/check.js';
import { ASSERTION_HEADER, type AssertionClaims } from '../jwt/assertion.js';
import { readStoredAuth, type StoredAuth } from '../store/auth-store.js';
import { CATALOGUE } from './catalogue.js';
import {
  attempt,
  attemptAsync,
  type CheckGroup,
  type DoctorContext,
  type DoctorOptions,
  type ExchangeFacts,
  type Need,
} from './context.js';
import { diagnoseExchange } from './diagnosis.js';

export type { DoctorOptions } from './context.js';

export type DoctorReport = {
  ok: boolean;
  checks: Check[];
  assertion?: { header: typeof ASSERTION_HEADER; claims: AssertionClaims };
  exchange?: ExchangeFacts;
};

/** The credentials, with what a --target-org auth knows filling what they leave out. */
function withStoredAuth(credentials: Credentials, stored: StoredAuth | undefined): Credentials {
  if (!stored) return credentials;
  return {
    ...credentials,
    username: credentials.username ?? stored.username,
    clientId: credentials.clientId ?? stored.clientId,
    instanceUrl: credentials.instanceUrl ?? (stored.loginUrl ? { value: stored.loginUrl, source: 'store' } : undefined),
    key:
      credentials.key && 'file' in credentials.key
        ? credentials.key
        : stored.privateKey
          ? { file: stored.privateKey }
          : credentials.key,
  };
}

async function buildContext(options: DoctorOptions, exchangeSettled: Promise<void>): Promise<DoctorContext> {
  const env = options.env ?? process.env;
  const target = options.targetOrg;
  const stored = target ? await attemptAsync(() => readStoredAuth(target)) : undefined;
  const credentials = withStoredAuth(options.credentials, stored?.value);
  const loginUrl = attempt(() => resolveLoginUrl(credentials));
  return {
    options,
    env,
    credentials,
    stored,
    clientId: attempt(() => resolveClientId(credentials)),
    username: attempt(() => resolveUsername(credentials)),
    loginUrl,
    audiences: loginUrl.value ? attempt(() => resolveAudiences(credentials, loginUrl.value!.url)) : undefined,
    exchangeSettled,
  };
}

/** The first need of `group` that is missing, if any. */
function missingNeed(group: CheckGroup, context: DoctorContext): Need | undefined {
  const has: Record<Need, () => boolean> = {
    network: () => !context.options.offline,
    'claims-inputs': () =>
      Boolean(context.clientId.value && context.username.value && context.loginUrl.value && context.audiences?.value),
    key: () => context.key !== undefined,
    'certificate-file': () => Boolean(context.options.certificateFile),
    'admin-org': () => Boolean(context.options.adminOrg),
    'dev-hub': () => Boolean(context.options.devHub),
  };
  return group.needs.find((need) => !has[need]());
}

async function runGroup(group: CheckGroup, context: DoctorContext): Promise<Check[]> {
  const missing = missingNeed(group, context);
  return missing ? group.skipped(missing, context) : group.run(context);
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  let exchangeDone: () => void = () => undefined;
  const context = await buildContext(options, new Promise<void>((done) => (exchangeDone = done)));
  const checks: Check[] = [];
  for (const group of CATALOGUE.first) {
    // eslint-disable-next-line no-await-in-loop
    checks.push(...(await runGroup(group, context)));
  }
  const later = await Promise.all(
    CATALOGUE.then.map((group) =>
      group.name === 'exchange' ? runGroup(group, context).finally(exchangeDone) : runGroup(group, context),
    ),
  );
  checks.push(...later.flat());
  if (context.exchangeError) {
    const index = checks.findIndex((c) => c.id === 'exchange');
    checks[index] = diagnoseExchange(context, checks);
  }
  return {
    ok: !checks.some((c) => c.status === 'fail'),
    checks,
    assertion: context.claims ? { header: ASSERTION_HEADER, claims: context.claims } : undefined,
    exchange: context.exchange,
  };
}
