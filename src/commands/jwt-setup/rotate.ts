import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { pushFlags, pushSettingsFromFlags } from '../../cli/push-flags.js';
import { RotateRenderer, toRotateResult, type RotateResult } from '../../cli/render/rotate.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.rotate');

export type { RotateResult } from '../../cli/render/rotate.js';

export default class Rotate extends JwtSetupCommand<RotateResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    // A plain string, not Flags.requiredOrg: the admin org is never taken from the configured default.
    'target-org': Flags.string({ summary: messages.getMessage('flags.target-org.summary'), required: true }),
    app: Flags.string({ summary: messages.getMessage('flags.app.summary'), required: true }),
    username: Flags.string({ char: 'o', summary: messages.getMessage('flags.username.summary'), required: true }),
    'jwt-key-file': Flags.file({ char: 'f', summary: messages.getMessage('flags.jwt-key-file.summary') }),
    'passphrase-env': Flags.string({ summary: messages.getMessage('flags.passphrase-env.summary') }),
    'client-id': Flags.string({ char: 'i', summary: messages.getMessage('flags.client-id.summary') }),
    'instance-url': Flags.string({ char: 'r', summary: messages.getMessage('flags.instance-url.summary') }),
    'new-key-file': Flags.file({ summary: messages.getMessage('flags.new-key-file.summary') }),
    'new-certificate-file': Flags.file({
      summary: messages.getMessage('flags.new-certificate-file.summary'),
      dependsOn: ['new-key-file'],
    }),
    'key-size': Flags.integer({
      summary: messages.getMessage('flags.key-size.summary'),
      default: 2048,
    }),
    days: Flags.integer({ summary: messages.getMessage('flags.days.summary'), default: 365 }),
    subject: Flags.string({ summary: messages.getMessage('flags.subject.summary') }),
    wait: Flags.integer({
      char: 'w',
      summary: messages.getMessage('flags.wait.summary'),
      min: 1,
      max: 120,
      default: 10,
    }),
    'source-dir': Flags.directory({
      char: 'd',
      summary: messages.getMessage('flags.source-dir.summary'),
      description: messages.getMessage('flags.source-dir.description'),
      multiple: true,
    }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    ...pushFlags,
    force: Flags.boolean({ summary: messages.getMessage('flags.force.summary'), default: false }),
  };

  public async run(): Promise<RotateResult> {
    const { flags } = await this.parse(Rotate);
    const renderer = new RotateRenderer(this, messages);
    // The org side is loaded only here: login and the other commands never pay for the metadata library.
    const { rotate } = await import('../../rotate/rotate.js');
    try {
      const outcome = await rotate({
        targetOrg: flags['target-org'],
        app: flags.app,
        username: flags.username,
        oldKeyFile: flags['jwt-key-file'],
        passphraseEnv: flags['passphrase-env'],
        sourceDirs: flags['source-dir'],
        clientId: flags['client-id'],
        instanceUrl: flags['instance-url'],
        newKeyFile: flags['new-key-file'],
        newCertificateFile: flags['new-certificate-file'],
        keySize: flags['key-size'],
        days: flags.days,
        subject: flags.subject,
        waitMinutes: flags.wait,
        dryRun: flags['dry-run'],
        push: pushSettingsFromFlags(flags),
        force: flags.force,
        onEvent: (event) => renderer.event(event),
      });
      const result = toRotateResult(outcome, { username: flags.username, waitMinutes: flags.wait }, messages);
      renderer.report(result);
      return result;
    } finally {
      renderer.finish();
    }
  }
}
