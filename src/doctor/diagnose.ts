/*
 * Doctor: check everything that can be checked about a JWT setup, locally first, then one exchange (whose answer
 * also gives the server's clock) and one REST call. Never stops at the first problem. Returns checks as data.
 */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve, sep } from 'node:path';
import { Messages } from '@salesforce/core';
import { failFromError, fail, pass, skip, warn, type Check } from '../checks/check.js';
import {
  resolveAudiences,
  resolveClientId,
  resolveKeyInput,
  resolveLoginUrl,
  resolvePassphrase,
  resolveUsername,
  type CredentialFlags,
} from '../auth/inputs.js';
import { isJwtSetupError, type ErrorCode, type JwtSetupError, reason } from '../errors.js';
import { httpRequest } from '../exchange/http.js';
import { obtainToken, type LoginAttempt } from '../exchange/token.js';
import { ASSERTION_HEADER, buildClaims, type AssertionClaims } from '../jwt/assertion.js';
import { baseUrlText, classifyHost } from '../jwt/endpoint.js';
import { checkClaims, sandboxSuffix } from '../jwt/rules.js';
import { certificateMatchesKey, loadCertificate, type CertificateInfo } from '../keys/certificate.js';
import { manglings } from '../keys/pem.js';
import { loadPrivateKey, MIN_RSA_BITS, type KeyInput, type LoadedKey } from '../keys/private-key.js';
import { readStoredAuth } from '../store/auth-store.js';
import { sfKeyFileProblem, unreferencedKeyCopies } from '../store/key-copy.js';
import { latestApiVersion, ORGANIZATION_QUERY, soqlAt } from '../store/org-details.js';
import { keyEnvDebugWarning } from '../auth/flags.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'doctor');
const m = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));

export type DoctorFlags = CredentialFlags & { 'certificate-file'?: string; offline?: boolean; 'target-org'?: string };

export type DoctorOptions = { timeoutSeconds: number; env?: NodeJS.ProcessEnv };

export type DoctorReport = {
  ok: boolean;
  checks: Check[];
  assertion?: { header: typeof ASSERTION_HEADER; claims: AssertionClaims };
  exchange?: {
    loginUrl: string;
    audience?: string;
    orgId?: string;
    instanceUrl?: string;
    scope?: string;
    attempts: LoginAttempt[];
    error?: { name: string; message: string };
  };
};

const DAY = 86_400_000;
/** How the login errors' advice names this command; doctor leaves those bullets out of its own diagnosis. */
const DOCTOR_COMMAND = 'sf jwt-setup doctor';

function attempt<T>(fn: () => T): { value?: T; error?: JwtSetupError } {
  try {
    return { value: fn() };
  } catch (error) {
    if (isJwtSetupError(error)) return { error };
    throw error;
  }
}

async function attemptAsync<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: JwtSetupError }> {
  try {
    return { value: await fn() };
  } catch (error) {
    if (isJwtSetupError(error)) return { error };
    throw error;
  }
}

export async function runDoctor(givenFlags: DoctorFlags, options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const checks: Check[] = [];
  const flags: DoctorFlags = { ...givenFlags };

  // Stored auth (--target-org): its key path, client id and login URL fill what the flags leave out.
  const target = flags['target-org'];
  const stored = target ? await attemptAsync(() => readStoredAuth(target)) : undefined;
  if (stored?.error) checks.push(failFromError('stored-auth', m('stored.title'), stored.error));
  else if (target && !stored?.value)
    checks.push(fail('stored-auth', m('stored.title'), m('stored.notFound', [target]), m('stored.notFoundFix')));
  const storedAuth = stored?.value;
  const urlFromStore = Boolean(storedAuth?.loginUrl) && !flags['instance-url'];
  if (storedAuth) {
    flags.username ??= storedAuth.username;
    flags['client-id'] ??= storedAuth.clientId;
    flags['instance-url'] ??= storedAuth.loginUrl;
    if (!flags['jwt-key-file'] && storedAuth.privateKey) flags['jwt-key-file'] = storedAuth.privateKey;
  }

  const { clientId, username, loginUrl, audiences } = inputChecks(
    flags,
    env,
    checks,
    urlFromStore ? target : undefined,
  );

  // Key.
  const key = await keyChecks(flags, env, checks);

  // Certificate.
  let certificate: CertificateInfo | undefined;
  if (flags['certificate-file']) certificate = await certificateChecks(flags['certificate-file'], key, checks);

  // Claims that would be sent.
  let claims: AssertionClaims | undefined;
  if (clientId.value && username.value && loginUrl.value && audiences?.value) {
    claims = buildClaims({
      clientId: clientId.value,
      username: username.value,
      audience: audiences.value.audiences[0],
    });
    checks.push(
      ...checkClaims(claims, {
        loginUrl: loginUrl.value.url,
        sandbox: flags.sandbox,
        audienceExplicit: audiences.value.explicit,
      }),
    );
  }

  // Network: exchange, clock, API.
  let exchange: DoctorReport['exchange'];
  const ready = Boolean(key && clientId.value && username.value && loginUrl.value && audiences?.value);
  if (flags.offline) {
    for (const [id, title] of [
      ['endpoint.reachable', m('endpoint.reachableTitle')],
      ['endpoint.clock', m('clock.title')],
      ['exchange', m('exchange.title')],
      ['api', m('api.title')],
    ])
      checks.push(skip(id, title, m('offline')));
  } else if (!ready || !key || !audiences?.value) {
    checks.push(skip('exchange', m('exchange.title'), m('exchange.notReady')));
  } else {
    exchange = await exchangeChecks(
      {
        key,
        clientId: clientId.value!,
        username: username.value!,
        loginUrl: loginUrl.value!.url,
        audiences: audiences.value.audiences,
      },
      { checks, certificate, timeoutSeconds: options.timeoutSeconds, sandbox: flags.sandbox ?? false },
    );
  }

  // Stored auth of this username (with --target-org, or when already registered).
  if (storedAuth ?? (username.value && !target)) {
    const auth = storedAuth ? { value: storedAuth } : await attemptAsync(() => readStoredAuth(username.value!));
    if (auth.error) checks.push(failFromError('stored-auth', m('stored.title'), auth.error));
    else if (auth.value)
      checks.push(await storedAuthCheck(auth.value.privateKey, auth.value.isJwt, auth.value.username, key));
  }

  // Key copies kept for the sf CLI's refresh that no authorization refers to any more.
  const orphans = await unreferencedKeyCopies();
  if (orphans.length > 0) {
    checks.push(
      warn(
        'stored-auth.key-copies',
        m('keyCopies.title'),
        m('keyCopies.orphans', [orphans.length, orphans.join(', ')]),
        m('keyCopies.fix', [orphans.map((f) => `'${f}'`).join(' ')]),
      ),
    );
  }

  return {
    ok: !checks.some((c) => c.status === 'fail'),
    checks,
    assertion: claims ? { header: ASSERTION_HEADER, claims } : undefined,
    exchange,
  };
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
function inputChecks(flags: DoctorFlags, env: NodeJS.ProcessEnv, checks: Check[], storedTarget: string | undefined) {
  const clientId = attempt(() => resolveClientId(flags, env));
  const username = attempt(() => resolveUsername(flags, env));
  const loginUrl = attempt(() => resolveLoginUrl(flags, env));
  const audiences = loginUrl.value ? attempt(() => resolveAudiences(flags, loginUrl.value!.url, env)) : undefined;
  if (clientId.error) checks.push(failFromError('claims.iss', m('input.clientId'), clientId.error));
  if (username.error) checks.push(failFromError('claims.sub', m('input.username'), username.error));
  if (loginUrl.error) checks.push(failFromError('endpoint.url', m('endpoint.urlTitle'), loginUrl.error));
  else if (audiences?.error) checks.push(failFromError('claims.aud', m('input.audience'), audiences.error));
  else if (loginUrl.value) {
    const origin = storedTarget ? m('endpoint.fromStore', [storedTarget]) : loginUrl.value.source;
    checks.push(
      loginUrl.value.notice
        ? warn('endpoint.url', m('endpoint.urlTitle'), loginUrl.value.notice, m('endpoint.oauthEndpointFix'))
        : pass(
            'endpoint.url',
            m('endpoint.urlTitle'),
            m('endpoint.urlPass', [baseUrlText(loginUrl.value.url), origin]),
          ),
    );
  }
  return { clientId, username, loginUrl, audiences };
}

async function keyChecks(flags: DoctorFlags, env: NodeJS.ProcessEnv, checks: Check[]): Promise<LoadedKey | undefined> {
  const source = attempt<KeyInput>(() => resolveKeyInput(flags, env));
  if (!source.value) {
    if (source.error) checks.push(failFromError('key.source', m('key.sourceTitle'), source.error));
    return undefined;
  }
  const input = source.value;
  const passphrase = attempt(() => resolvePassphrase(flags, env));
  if (passphrase.error) checks.push(failFromError('key.passphrase', m('key.passphraseTitle'), passphrase.error));
  let key: LoadedKey;
  try {
    key = await loadPrivateKey(input, { passphrase: passphrase.value, minBits: 0, env });
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    const id = ['KeyFileNotFound', 'KeyEnvUnset', 'KeyFileUnreadable', 'KeyEnvLooksLikePath'].includes(error.errorCode)
      ? 'key.source'
      : 'key.decode';
    checks.push(failFromError(id, id === 'key.source' ? m('key.sourceTitle') : m('key.decodeTitle'), error));
    return undefined;
  }
  const debugWarning = keyEnvDebugWarning(input, env);
  checks.push(
    debugWarning
      ? warn('key.source', m('key.sourceTitle'), `${key.sourceLabel}: ${debugWarning}`, m('key.debugFix'))
      : pass('key.source', m('key.sourceTitle'), key.sourceLabel),
  );
  const form = `${key.format}${key.encrypted ? ', ' + m('key.encrypted') : ''}`;
  const damage = manglings(key.repairs);
  checks.push(
    damage.length > 0
      ? warn('key.decode', m('key.decodeTitle'), m('key.repaired', [form, damage.join(', ')]), m('key.repairedFix'))
      : pass('key.decode', m('key.decodeTitle'), m('key.decoded', [form])),
  );
  checks.push(
    key.bits >= MIN_RSA_BITS
      ? pass('key.size', m('key.sizeTitle'), m('key.sizePass', [key.bits]))
      : fail('key.size', m('key.sizeTitle'), m('key.sizeFail', [key.bits]), m('key.sizeFix')),
  );
  if (key.file) {
    const info = await stat(key.file);
    const mode = info.mode & 0o777;
    checks.push(
      (mode & 0o077) === 0
        ? pass('key.permissions', m('key.permissionsTitle'), m('key.permissionsPass', [mode.toString(8)]))
        : warn(
            'key.permissions',
            m('key.permissionsTitle'),
            m('key.permissionsWarn', [mode.toString(8)]),
            m('key.permissionsFix', [key.file]),
          ),
    );
    const temporary = [tmpdir(), '/tmp', '/var/tmp', env.RUNNER_TEMP, env.AGENT_TEMPDIRECTORY]
      .filter((d): d is string => Boolean(d))
      .some((d) => resolve(key.file!).startsWith(resolve(d) + sep));
    checks.push(
      temporary
        ? warn('key.location', m('key.locationTitle'), m('key.locationWarn', [key.file]), m('key.locationFix'))
        : pass('key.location', m('key.locationTitle'), m('key.locationPass')),
    );
  }
  return key;
}

async function certificateChecks(
  file: string,
  key: LoadedKey | undefined,
  checks: Check[],
): Promise<CertificateInfo | undefined> {
  let certificate: CertificateInfo;
  try {
    certificate = await loadCertificate(file, key ? { select: key.publicKey } : {});
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    checks.push(failFromError('certificate.decode', m('cert.decodeTitle'), error));
    return undefined;
  }
  checks.push(
    pass(
      'certificate.decode',
      m('cert.decodeTitle'),
      [
        m('cert.decoded', [certificate.subject, certificate.fingerprintSha256]),
        ...(certificate.inFile > 1 ? [m('cert.inChain', [certificate.inFile, certificate.position])] : []),
      ].join(' '),
    ),
  );
  if (key) {
    checks.push(
      certificateMatchesKey(certificate, key.publicKey)
        ? pass('certificate.match', m('cert.matchTitle'), m('cert.matchPass'))
        : fail(
            'certificate.match',
            m('cert.matchTitle'),
            m('cert.matchFail', [certificate.sourceLabel]),
            m('cert.matchFix'),
          ),
    );
  } else {
    checks.push(skip('certificate.match', m('cert.matchTitle'), m('cert.matchSkip')));
  }
  checks.push(
    certificate.signatureAlgorithm === 'sha256WithRSAEncryption' ||
      certificate.signatureAlgorithm === 'sha384WithRSAEncryption' ||
      certificate.signatureAlgorithm === 'sha512WithRSAEncryption'
      ? pass('certificate.signature', m('cert.signatureTitle'), certificate.signatureAlgorithm)
      : warn(
          'certificate.signature',
          m('cert.signatureTitle'),
          m('cert.signatureWarn', [certificate.signatureAlgorithm]),
          m('cert.renewFix'),
        ),
  );
  const now = Date.now();
  const notAfter = certificate.notAfter.getTime();
  if (certificate.notBefore.getTime() > now) {
    checks.push(
      warn(
        'certificate.validity',
        m('cert.validityTitle'),
        m('cert.notYet', [certificate.notBefore.toISOString()]),
        m('cert.notYetFix'),
      ),
    );
  } else if (notAfter < now) {
    checks.push(
      warn(
        'certificate.validity',
        m('cert.validityTitle'),
        m('cert.expired', [certificate.notAfter.toISOString()]),
        m('cert.renewFix'),
      ),
    );
  } else if (notAfter < now + 30 * DAY) {
    checks.push(
      warn(
        'certificate.validity',
        m('cert.validityTitle'),
        m('cert.expiring', [certificate.notAfter.toISOString(), Math.ceil((notAfter - now) / DAY)]),
        m('cert.renewFix'),
      ),
    );
  } else {
    checks.push(
      pass('certificate.validity', m('cert.validityTitle'), m('cert.valid', [certificate.notAfter.toISOString()])),
    );
  }
  return certificate;
}

type ExchangeInput = { key: LoadedKey; clientId: string; username: string; loginUrl: URL; audiences: string[] };
type ExchangeContext = { checks: Check[]; certificate?: CertificateInfo; timeoutSeconds: number; sandbox: boolean };

async function exchangeChecks(input: ExchangeInput, context: ExchangeContext): Promise<DoctorReport['exchange']> {
  const { checks } = context;
  const host = input.loginUrl.host;
  const started = Date.now();
  let answer: { status: number; date?: Date; at: number } | undefined;
  const report: NonNullable<DoctorReport['exchange']> = { loginUrl: baseUrlText(input.loginUrl), attempts: [] };
  try {
    const obtained = await obtainToken(
      {
        loginUrl: input.loginUrl,
        audiences: input.audiences,
        clientId: input.clientId,
        username: input.username,
        privateKey: input.key.privateKey,
      },
      {
        deadline: started + context.timeoutSeconds * 1000,
        timeoutSeconds: context.timeoutSeconds,
        retry: { attempts: 3, baseDelayMs: 300 },
        onResponse: (a) => (answer ??= { ...a, at: a.at }),
      },
    );
    Object.assign(report, {
      audience: obtained.audience,
      orgId: obtained.grant.orgId,
      instanceUrl: obtained.grant.instanceUrl,
      scope: obtained.grant.scope,
      attempts: obtained.attempts,
    });
    checks.push(
      pass(
        'endpoint.reachable',
        m('endpoint.reachableTitle'),
        m('endpoint.reachablePass', [host, answer?.status ?? 200]),
      ),
    );
    checks.push(clockCheck(answer, started));
    checks.push(
      pass(
        'exchange',
        m('exchange.title'),
        m('exchange.pass', [
          obtained.grant.orgId,
          obtained.grant.instanceUrl,
          obtained.audience,
          obtained.grant.scope ?? '-',
        ]),
      ),
    );
    checks.push(
      await apiCheck(obtained.grant.instanceUrl, obtained.grant.accessToken, started + context.timeoutSeconds * 1000),
    );
    return report;
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    report.attempts = (error.data as { attempts?: LoginAttempt[] } | undefined)?.attempts ?? [];
    report.error = { name: error.name, message: error.message };
    if (!answer) {
      checks.push(failFromError('endpoint.reachable', m('endpoint.reachableTitle'), error));
      checks.push(skip('endpoint.clock', m('clock.title'), m('clock.noAnswer')));
      checks.push(skip('exchange', m('exchange.title'), m('exchange.unreachable')));
      checks.push(skip('api', m('api.title'), m('api.noToken')));
      return report;
    }
    checks.push(
      pass('endpoint.reachable', m('endpoint.reachableTitle'), m('endpoint.reachablePass', [host, answer.status])),
    );
    const clock = clockCheck(answer, started);
    checks.push(clock);
    checks.push(diagnose(error, { ...context, input, clock, attempts: report.attempts }));
    checks.push(skip('api', m('api.title'), m('api.noToken')));
    return report;
  }
}

/** Local clock against the server's Date header (1 s resolution), corrected by half the round trip. */
function clockCheck(answer: { date?: Date; at: number } | undefined, started: number): Check {
  const title = m('clock.title');
  if (!answer?.date) return skip('endpoint.clock', title, m('clock.noDate'));
  const localAtServer = started + (answer.at - started) / 2;
  const skew = Math.round((localAtServer - answer.date.getTime()) / 1000);
  const ahead = skew >= 0 ? m('clock.ahead') : m('clock.behind');
  const size = Math.abs(skew);
  if (size > 180) return fail('endpoint.clock', title, m('clock.detail', [size, ahead]), m('clock.fix'));
  if (size > 60) return warn('endpoint.clock', title, m('clock.detail', [size, ahead]), m('clock.fix'));
  return pass('endpoint.clock', title, m('clock.pass', [size]));
}

async function apiCheck(instanceUrl: string, accessToken: string, deadline: number): Promise<Check> {
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

/** The exchange failure, with its likely causes ranked by what the local checks found. */
function diagnose(
  error: JwtSetupError,
  context: ExchangeContext & { input: ExchangeInput; clock: Check; attempts: LoginAttempt[] },
): Check {
  const title = m('exchange.title');
  const code = error.errorCode;
  const first: string[] = [];
  const sandboxUser = sandboxSuffix(context.input.username);
  const production = ['production', 'my-domain'].includes(classifyHost(context.input.loginUrl));
  if (sandboxUser && production && !context.sandbox && (code === 'UserNotApproved' || code === 'InvalidAssertion')) {
    first.push(m('cause.sandboxUser', [context.input.username]));
  }
  if (code === 'InvalidAssertion' && context.certificate) {
    first.push(
      certificateMatchesKey(context.certificate, context.input.key.publicKey)
        ? m('cause.otherCertificateInApp')
        : m('cause.keyCertificateMismatch'),
    );
  }
  if (code === 'InvalidAssertion' && !context.certificate) first.push(m('cause.noCertificate'));
  if (code === 'AssertionExpired' && context.clock.status !== 'pass') first.push(m('cause.clock'));
  const tried = [...new Set(context.attempts.map((a) => a.audience))];
  if ((code === 'AudienceInvalid' || code === 'AppNotInstalled') && tried.length > 1) {
    first.push(m('cause.audiencesTried', [context.input.loginUrl.host, tried.join(', ')]));
  }
  // The login error's own advice, less its "run doctor" bullets: this is doctor.
  const actions = [...first, ...(error.actions ?? []).filter((a) => !a.includes(DOCTOR_COMMAND))];
  const propagation: ErrorCode[] = ['UserNotApproved', 'ClientIdentifierInvalid', 'AppNotInstalled'];
  const fix = actions.map((a, i) => `${i + 1}. ${a}`).join(' ');
  const localFindings = context.checks.some((c) => c.status === 'fail' || c.status === 'warn');
  const meaning = propagation.includes(code)
    ? m('exchange.meaningPropagation')
    : m(localFindings ? 'exchange.meaning' : 'exchange.meaningNoLocal');
  return fail('exchange', title, `${error.message} ${meaning}`.trim(), fix);
}

async function storedAuthCheck(
  privateKey: string | undefined,
  isJwt: boolean,
  username: string,
  key: LoadedKey | undefined,
): Promise<Check> {
  const title = m('stored.title');
  if (!isJwt || !privateKey) return warn('stored-auth', title, m('stored.notJwt', [username]), m('stored.notJwtFix'));
  // Read the way the sf CLI's refresh reads it: the file as UTF-8 text, a plain PEM key.
  const problem = await sfKeyFileProblem(privateKey);
  if (problem)
    return fail('stored-auth', title, m('stored.keyBroken', [username, privateKey, problem]), m('stored.reloginFix'));
  if (key && (await sfKeyFileProblem(privateKey, key.publicKey))) {
    return warn('stored-auth', title, m('stored.otherKey', [username, privateKey]), m('stored.reloginFix'));
  }
  return pass('stored-auth', title, m('stored.pass', [username, privateKey]));
}
