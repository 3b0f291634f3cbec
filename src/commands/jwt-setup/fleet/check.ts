import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../../cli/command.js';
import {
  allowFailuresFlag,
  concurrencyFlag,
  orgTimeoutFlag,
  fleetCheckSourceFlags,
  fleetFromFlags,
} from '../../../cli/fleet.js';
import { publishCheckToGithub, renderCheckProblems, renderFleetTable } from '../../../cli/render/fleet.js';
import { checkFleet, DEFAULT_EXPIRY_DAYS, type FleetCheckOutcome } from '../../../fleet/check.js';
import { fleetFailure } from '../../../fleet/report.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.fleet.check');

export type FleetCheckResult = FleetCheckOutcome;

export default class FleetCheck extends JwtSetupCommand<FleetCheckResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    ...fleetCheckSourceFlags,
    concurrency: concurrencyFlag(8),
    timeout: orgTimeoutFlag(60),
    'expiry-days': Flags.integer({
      summary: messages.getMessage('flags.expiry-days.summary'),
      default: DEFAULT_EXPIRY_DAYS,
      min: 0,
      max: 3650,
    }),
    'fail-on': Flags.option({ summary: messages.getMessage('flags.fail-on.summary'), options: ['warn'] as const })(),
    'allow-failures': allowFailuresFlag,
  };

  public async run(): Promise<FleetCheckResult> {
    const { flags } = await this.parse(FleetCheck);
    const fleet = await fleetFromFlags(flags);
    const outcome = await checkFleet(fleet.orgs, {
      concurrency: flags.concurrency,
      timeoutSeconds: flags.timeout,
      expiryDays: flags['expiry-days'],
    });
    const total = outcome.orgs.length;
    const summary =
      outcome.warned > 0
        ? messages.getMessage('info.summaryWarned', [outcome.ok, total, outcome.warned])
        : messages.getMessage('info.summary', [outcome.ok, total]);
    for (const line of [...renderFleetTable(outcome.orgs), ...renderCheckProblems(outcome.orgs)]) this.log(line);
    this.log('');
    this.log(summary);
    publishCheckToGithub(messages.getMessage('info.heading'), outcome.orgs, summary, process.env, (l) => this.log(l));
    const failing = outcome.orgs.filter(
      (o) => o.status === 'failed' || (flags['fail-on'] === 'warn' && o.status === 'warn'),
    );
    if (failing.length > 0 && !flags['allow-failures']) throw fleetFailure(failing, total, outcome);
    return outcome;
  }
}
