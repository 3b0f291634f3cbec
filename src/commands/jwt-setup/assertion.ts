import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { credentialsFromFlags } from '../../cli/credentials.js';
import { credentialFlags, describeRepairs, keyEnvDebugWarning } from '../../cli/flags.js';
import {
  resolveAudiences,
  resolveClientId,
  resolveKeyInput,
  resolveLoginUrl,
  resolvePassphrase,
  resolveUsername,
} from '../../auth/inputs.js';
import { countByStatus, type Check, type AssertionCheckId } from '../../report/check.js';
import { jwtError } from '../../errors.js';
import { JWT_BEARER_GRANT } from '../../exchange/token.js';
import {
  ASSERTION_HEADER,
  buildClaims,
  MAX_EXPIRES_IN,
  signAssertion,
  type AssertionClaims,
  type AssertionHeader,
} from '../../jwt/assertion.js';
import { tokenUrl } from '../../jwt/endpoint.js';
import { inspectAssertion } from '../../jwt/inspect.js';
import { loadCertificate } from '../../keys/certificate.js';
import { loadPrivateKey } from '../../keys/private-key.js';
import { renderText } from '../../cli/render/report.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.assertion');

export type BuiltAssertion = {
  header: AssertionHeader;
  claims: AssertionClaims;
  assertion: string;
  tokenUrl: string;
  curl: string;
};

export type CheckedAssertion = {
  ok: boolean;
  checks: Array<Check<AssertionCheckId>>;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
};

export type AssertionResult = BuiltAssertion | CheckedAssertion;

export default class Assertion extends JwtSetupCommand<AssertionResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    ...credentialFlags,
    'expires-in': Flags.integer({ summary: messages.getMessage('flags.expires-in.summary'), default: MAX_EXPIRES_IN }),
    check: Flags.string({ summary: messages.getMessage('flags.check.summary'), allowStdin: true }),
    'certificate-file': Flags.file({ char: 'c', summary: messages.getMessage('flags.certificate-file.summary') }),
  };

  public async run(): Promise<AssertionResult> {
    const { flags } = await this.parse(Assertion);
    if (flags.check !== undefined) return this.check(flags);
    const credentials = credentialsFromFlags(flags);
    const clientId = resolveClientId(credentials);
    const username = resolveUsername(credentials);
    const { url, notice } = resolveLoginUrl(credentials);
    if (notice) this.info(notice);
    const { audiences } = resolveAudiences(credentials, url);
    const keyInput = resolveKeyInput(credentials);
    const debugWarning = keyEnvDebugWarning(keyInput);
    if (debugWarning) this.warn(debugWarning);
    const key = await loadPrivateKey(keyInput, { passphrase: resolvePassphrase(credentials) });
    const repaired = describeRepairs(key.repairs);
    if (repaired) this.warn(repaired);
    const claims = buildClaims({ clientId, username, audience: audiences[0], expiresIn: flags['expires-in'] });
    const assertion = await signAssertion(claims, key.privateKey);
    const endpoint = tokenUrl(url).href;
    const curl = [
      `curl -sS -X POST '${endpoint}'`,
      "-H 'Content-Type: application/x-www-form-urlencoded'",
      `--data-urlencode 'grant_type=${JWT_BEARER_GRANT}'`,
      `--data-urlencode 'assertion=${assertion}'`,
    ].join(' \\\n  ');
    this.log(messages.getMessage('info.header', [JSON.stringify(ASSERTION_HEADER)]));
    this.log(messages.getMessage('info.claims', [JSON.stringify(claims)]));
    this.log('');
    this.log(messages.getMessage('info.assertion', [new Date(claims.exp * 1000).toISOString()]));
    this.log(assertion);
    this.log('');
    this.log(messages.getMessage('info.tokenUrl', [endpoint]));
    this.log(messages.getMessage('info.curl'));
    this.log(curl);
    this.log(messages.getMessage('info.postman', [endpoint, JWT_BEARER_GRANT]));
    return { header: { ...ASSERTION_HEADER }, claims, assertion, tokenUrl: endpoint, curl };
  }

  private async check(flags: {
    check?: string;
    'certificate-file'?: string;
    'instance-url'?: string;
    sandbox: boolean;
    audience?: string;
  }): Promise<CheckedAssertion> {
    const token = (flags.check ?? '').trim();
    if (token.length === 0 || token === '-') throw jwtError('AssertionMissing');
    const certificate = flags['certificate-file']
      ? await loadCertificate(flags['certificate-file'], { select: 'only' })
      : undefined;
    const credentials = credentialsFromFlags(flags);
    const hostGiven = credentials.instanceUrl !== undefined || flags.sandbox;
    const loginUrl = hostGiven ? resolveLoginUrl(credentials).url : undefined;
    const { decoded, checks } = inspectAssertion(token, {
      loginUrl,
      sandbox: flags.sandbox,
      audienceExplicit: Boolean(flags.audience),
      publicKey: certificate?.publicKey,
      certificateLabel: certificate?.sourceLabel,
    });
    for (const line of renderText(checks)) this.log(line);
    const counts = countByStatus(checks);
    const ok = counts.fail === 0;
    if (ok) this.logSuccess(messages.getMessage('info.checkOk'));
    else {
      this.log(messages.getMessage('info.checkFailed', [counts.fail, checks.length]));
      process.exitCode = 1;
    }
    return { ok, checks, header: decoded?.header, claims: decoded?.claims };
  }
}
