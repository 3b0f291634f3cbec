import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { credentialFlags, describeRepairs, keyEnvDebugWarning, timeoutFlag } from '../../cli/flags.js';
import { resolveLoginInputs } from '../../auth/inputs.js';
import { credentialsFromFlags } from '../../cli/credentials.js';
import { DEFAULT_TIMEOUT_SECONDS, login, type LoginOutcome } from '../../auth/login.js';
import type { ExchangeEvent } from '../../exchange/token.js';
import { DEV_HUB_WAIT_MINUTES, loginScratch } from '../../auth/scratch-login.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.login');

/** What --json returns: the outcome without the diagnostics (never the token, never the key). */
export type LoginResult = Pick<
  LoginOutcome,
  'username' | 'orgId' | 'instanceUrl' | 'loginUrl' | 'audience' | 'clientId' | 'privateKeyFile' | 'isDevHub' | 'alias'
> & {
  /** With --dev-hub: the hub's username, as the scratch auth stores it. */
  devHubUsername?: string;
  /** With --dev-hub: the scratch org's expiration date (YYYY-MM-DD). */
  expirationDate?: string;
  /** With --dev-hub: the id of the signup's ScratchOrgInfo record on the hub. */
  scratchOrgInfoId?: string;
};

type Registered = Omit<LoginResult, 'isDevHub' | 'devHubUsername' | 'expirationDate' | 'scratchOrgInfoId'>;

/** What a login registered, as the result reports it (a plain login and a scratch login alike). */
function registered(outcome: Registered): Registered {
  return {
    username: outcome.username,
    orgId: outcome.orgId,
    instanceUrl: outcome.instanceUrl,
    loginUrl: outcome.loginUrl,
    audience: outcome.audience,
    clientId: outcome.clientId,
    privateKeyFile: outcome.privateKeyFile,
    ...(outcome.alias ? { alias: outcome.alias } : {}),
  };
}

export default class Login extends JwtSetupCommand<LoginResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    ...credentialFlags,
    alias: Flags.string({ char: 'a', summary: messages.getMessage('flags.alias.summary') }),
    'set-default': Flags.boolean({
      char: 's',
      summary: messages.getMessage('flags.set-default.summary'),
      default: false,
    }),
    'set-default-dev-hub': Flags.boolean({
      char: 'd',
      summary: messages.getMessage('flags.set-default-dev-hub.summary'),
      default: false,
    }),
    'dev-hub': Flags.string({
      summary: messages.getMessage('flags.dev-hub.summary'),
      description: messages.getMessage('flags.dev-hub.description'),
      // The consumer key, the key and the login host come from the hub's auth and the signup.
      exclusive: ['client-id', 'jwt-key-file', 'instance-url', 'jwt-key-env', 'passphrase-env'],
      dependsOn: ['username'],
    }),
    wait: Flags.integer({
      summary: messages.getMessage('flags.wait.summary'),
      description: messages.getMessage('flags.wait.description', [DEV_HUB_WAIT_MINUTES]),
      min: 0,
      max: 60,
    }),
    timeout: timeoutFlag(DEFAULT_TIMEOUT_SECONDS),
  };

  public async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Login);
    if (flags['dev-hub']) return this.scratchLogin({ ...flags, 'dev-hub': flags['dev-hub'] });
    const inputs = resolveLoginInputs(credentialsFromFlags(flags));
    if (inputs.loginUrlNotice) this.info(inputs.loginUrlNotice);
    const debugWarning = keyEnvDebugWarning(inputs.key);
    if (debugWarning) this.warn(debugWarning);
    const outcome = await login(inputs, {
      alias: flags.alias,
      setDefault: flags['set-default'],
      setDefaultDevHub: flags['set-default-dev-hub'],
      waitMinutes: flags.wait ?? 0,
      timeoutSeconds: flags.timeout,
      onEvent: (event) => this.onExchangeEvent(event),
    });
    const repaired = describeRepairs(outcome.keyRepairs);
    // A warning, so that --json carries it too: the secret should be fixed at its source.
    if (repaired) this.warn(repaired);
    if (outcome.keyStoredFrom) {
      const notice = outcome.keyCopiedBecause === 'format' ? 'warning.keyNormalised' : 'warning.keyStored';
      this.info(messages.getMessage(notice, [outcome.keyStoredFrom, outcome.privateKeyFile]));
    }
    if (outcome.problems.length > 0)
      this.warn(messages.getMessage('warning.orgDetails', [outcome.problems.join('; ')]));
    this.logSuccess(messages.getMessage('info.success', [outcome.username, outcome.orgId]));
    this.log(messages.getMessage('info.details', [outcome.instanceUrl, outcome.loginUrl, outcome.audience]));
    return { ...registered(outcome), isDevHub: outcome.isDevHub };
  }

  /** --dev-hub: the scratch org's login, everything but its username from the hub (SF_JWT_* are not read). */
  private async scratchLogin(flags: {
    'dev-hub': string;
    username?: string;
    alias?: string;
    'set-default'?: boolean;
    audience?: string;
    wait?: number;
    timeout: number;
  }): Promise<LoginResult> {
    const outcome = await loginScratch({
      devHub: flags['dev-hub'],
      username: flags.username ?? '',
      alias: flags.alias,
      setDefault: flags['set-default'],
      audience: flags.audience ?? process.env.SF_AUDIENCE_URL,
      waitMinutes: flags.wait ?? DEV_HUB_WAIT_MINUTES,
      timeoutSeconds: flags.timeout,
      onEvent: (event) => this.onExchangeEvent(event),
      onSignupPending: (status) => this.info(messages.getMessage('info.signupPending', [status])),
    });
    if (outcome.problems.length > 0)
      this.warn(messages.getMessage('warning.orgDetails', [outcome.problems.join('; ')]));
    this.logSuccess(
      messages.getMessage('info.scratchSuccess', [outcome.username, outcome.orgId, outcome.devHubUsername]),
    );
    this.log(messages.getMessage('info.details', [outcome.instanceUrl, outcome.loginUrl, outcome.audience]));
    this.log(messages.getMessage('info.scratchKey', [outcome.privateKeyFile]));
    return {
      ...registered(outcome),
      isDevHub: false,
      devHubUsername: outcome.devHubUsername,
      scratchOrgInfoId: outcome.scratchOrgInfoId,
      ...(outcome.expirationDate ? { expirationDate: outcome.expirationDate } : {}),
    };
  }

  private onExchangeEvent(event: ExchangeEvent): void {
    switch (event.type) {
      case 'audience-fallback':
        this.info(messages.getMessage('info.audienceFallback', [event.host, event.from, event.code, event.to]));
        break;
      case 'retry':
        this.info(
          messages.getMessage('info.retry', [event.host, event.reason, event.delayMs, event.attempt, event.attempts]),
        );
        break;
      case 'waiting':
        this.info(
          messages.getMessage('info.waiting', [
            event.host,
            event.code,
            Math.round(event.delayMs / 1000),
            Math.round(event.remainingMs / 1000),
          ]),
        );
        break;
    }
  }
}
