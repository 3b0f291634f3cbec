import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../../cli/command.js';
import { fleetFromFlags } from '../../../cli/fleet.js';
import { pushFlags, pushSettingsFromFlags } from '../../../cli/push-flags.js';
import {
  FleetRotateRenderer,
  fleetRotateError,
  toFleetRotateResult,
  type FleetRotateResult,
} from '../../../cli/render/fleet-rotate.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.fleet.rotate');

export type { FleetRotateResult } from '../../../cli/render/fleet-rotate.js';

export default class FleetRotate extends JwtSetupCommand<FleetRotateResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    manifest: Flags.file({ char: 'm', summary: messages.getMessage('flags.manifest.summary'), required: true }),
    only: Flags.string({ summary: messages.getMessage('flags.only.summary'), multiple: true, delimiter: ',' }),
    'new-key-file': Flags.file({ summary: messages.getMessage('flags.new-key-file.summary') }),
    'new-certificate-file': Flags.file({
      summary: messages.getMessage('flags.new-certificate-file.summary'),
      dependsOn: ['new-key-file'],
    }),
    'key-size': Flags.integer({ summary: messages.getMessage('flags.key-size.summary'), default: 2048 }),
    days: Flags.integer({ summary: messages.getMessage('flags.days.summary'), default: 365 }),
    subject: Flags.string({ summary: messages.getMessage('flags.subject.summary') }),
    'output-dir': Flags.directory({ char: 'd', summary: messages.getMessage('flags.output-dir.summary') }),
    wait: Flags.integer({
      char: 'w',
      summary: messages.getMessage('flags.wait.summary'),
      min: 1,
      max: 120,
      default: 10,
    }),
    concurrency: Flags.integer({
      summary: messages.getMessage('flags.concurrency.summary'),
      default: 4,
      min: 1,
      max: 64,
    }),
    'skip-mismatched': Flags.boolean({ summary: messages.getMessage('flags.skip-mismatched.summary'), default: false }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    ...pushFlags,
  };

  public async run(): Promise<FleetRotateResult> {
    const { flags } = await this.parse(FleetRotate);
    const fleet = await fleetFromFlags({ manifest: flags.manifest, only: flags.only });
    const renderer = new FleetRotateRenderer(this);
    // The org side is loaded only here: login and the other commands never pay for the metadata library.
    const { fleetRotate } = await import('../../../fleet/rotate-steps.js');
    try {
      const rotation = await fleetRotate({
        fleet,
        newKeyFile: flags['new-key-file'],
        newCertificateFile: flags['new-certificate-file'],
        keySize: flags['key-size'],
        days: flags.days,
        subject: flags.subject,
        outputDir: flags['output-dir'],
        waitMinutes: flags.wait,
        concurrency: flags.concurrency,
        dryRun: flags['dry-run'],
        skipMismatched: flags['skip-mismatched'],
        push: pushSettingsFromFlags(flags),
        onEvent: (event) => renderer.event(event),
      });
      const result = toFleetRotateResult(rotation, flags.manifest);
      renderer.report(result);
      const error = fleetRotateError(result, rotation);
      if (error) throw error;
      return result;
    } finally {
      renderer.finish();
    }
  }
}
