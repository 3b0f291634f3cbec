import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { DEFAULT_TIMEOUT_SECONDS } from '../../../auth/login-with-key.js';
import { JwtSetupCommand } from '../../../cli/command.js';
import { describeRepairs } from '../../../cli/flags.js';
import {
  allowFailuresFlag,
  concurrencyFlag,
  orgTimeoutFlag,
  fleetFromFlags,
  fleetSourceFlags,
} from '../../../cli/fleet.js';
import { publishLoginToGithub, renderFleetTable, renderLoginFailures } from '../../../cli/render/fleet.js';
import type { ExchangeEvent } from '../../../exchange/token.js';
import { loginFleet, type OrgLoginResult } from '../../../fleet/login.js';
import { requireAlias } from '../../../fleet/manifest.js';
import { fleetFailure, type FleetOutcome } from '../../../fleet/report.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.fleet.login');
const loginMessages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.login');

/** What --json returns (also, on exit 1, the error's data): one entry per org, and the counts. */
export type FleetLoginResult = FleetOutcome<OrgLoginResult>;

export default class FleetLogin extends JwtSetupCommand<FleetLoginResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    ...fleetSourceFlags,
    concurrency: concurrencyFlag(8),
    // No short form: login's -s is a boolean.
    'set-default': Flags.string({ summary: messages.getMessage('flags.set-default.summary') }),
    wait: Flags.integer({ summary: messages.getMessage('flags.wait.summary'), min: 0, max: 60, default: 0 }),
    timeout: orgTimeoutFlag(DEFAULT_TIMEOUT_SECONDS),
    'allow-failures': allowFailuresFlag,
  };

  public async run(): Promise<FleetLoginResult> {
    const { flags } = await this.parse(FleetLogin);
    const fleet = await fleetFromFlags(flags);
    if (flags['set-default'] !== undefined) requireAlias(fleet, flags['set-default'], '--set-default');
    const { outcome, keys } = await loginFleet(fleet.orgs, {
      concurrency: flags.concurrency,
      waitMinutes: flags.wait,
      timeoutSeconds: flags.timeout,
      setDefault: flags['set-default'],
      onEvent: (alias, event) => this.onExchangeEvent(alias, event),
    });
    for (const key of keys) {
      const repaired = describeRepairs(key.repairs);
      if (repaired) this.warn(repaired);
      if (key.copiedBecause && key.privateKeyFile) {
        const notice = key.copiedBecause === 'format' ? 'warning.keyNormalised' : 'warning.keyStored';
        this.info(messages.getMessage(notice, [key.source, key.privateKeyFile]));
      }
    }
    const defaultOrg = outcome.orgs.find((o) => o.alias === flags['set-default']);
    if (defaultOrg?.status === 'failed') this.warn(messages.getMessage('warning.defaultFailed', [defaultOrg.alias]));
    const summary = messages.getMessage('info.summary', [outcome.ok, outcome.orgs.length]);
    for (const line of [...renderFleetTable(outcome.orgs), ...renderLoginFailures(outcome.orgs)]) this.log(line);
    this.log('');
    this.log(summary);
    publishLoginToGithub(messages.getMessage('info.heading'), outcome.orgs, summary, process.env, (l) => this.log(l));
    const failed = outcome.orgs.filter((o) => o.status === 'failed');
    if (failed.length > 0 && !flags['allow-failures']) throw fleetFailure(failed, outcome.orgs.length, outcome);
    return outcome;
  }

  private onExchangeEvent(alias: string, event: ExchangeEvent): void {
    const text =
      event.type === 'audience-fallback'
        ? loginMessages.getMessage('info.audienceFallback', [event.host, event.from, event.code, event.to])
        : event.type === 'retry'
          ? loginMessages.getMessage('info.retry', [
              event.host,
              event.reason,
              event.delayMs,
              event.attempt,
              event.attempts,
            ])
          : loginMessages.getMessage('info.waiting', [
              event.host,
              event.code,
              Math.round(event.delayMs / 1000),
              Math.round(event.remainingMs / 1000),
            ]);
    this.info(messages.getMessage('info.event', [alias, text]));
  }
}
