import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { credentialFlags, describeRepairs, keyEnvDebugWarning, timeoutFlag } from '../../cli/flags.js';
import { resolveLoginInputs } from '../../auth/inputs.js';
import { credentialsFromFlags } from '../../cli/credentials.js';
import { DEFAULT_TIMEOUT_SECONDS, login, type LoginOutcome } from '../../auth/login.js';
import type { ExchangeEvent } from '../../exchange/token.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.login');

/** What --json returns: the outcome without the diagnostics (never the token, never the key). */
export type LoginResult = Pick<
  LoginOutcome,
  'username' | 'orgId' | 'instanceUrl' | 'loginUrl' | 'audience' | 'clientId' | 'privateKeyFile' | 'isDevHub' | 'alias'
>;

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
    wait: Flags.integer({ summary: messages.getMessage('flags.wait.summary'), min: 0, max: 60, default: 0 }),
    timeout: timeoutFlag(DEFAULT_TIMEOUT_SECONDS),
  };

  public async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Login);
    const inputs = resolveLoginInputs(credentialsFromFlags(flags));
    if (inputs.loginUrlNotice) this.info(inputs.loginUrlNotice);
    const debugWarning = keyEnvDebugWarning(inputs.key);
    if (debugWarning) this.warn(debugWarning);
    const outcome = await login(inputs, {
      alias: flags.alias,
      setDefault: flags['set-default'],
      setDefaultDevHub: flags['set-default-dev-hub'],
      waitMinutes: flags.wait,
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
    return {
      username: outcome.username,
      orgId: outcome.orgId,
      instanceUrl: outcome.instanceUrl,
      loginUrl: outcome.loginUrl,
      audience: outcome.audience,
      clientId: outcome.clientId,
      privateKeyFile: outcome.privateKeyFile,
      isDevHub: outcome.isDevHub,
      ...(outcome.alias ? { alias: outcome.alias } : {}),
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
