import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { DEFAULT_API_VERSION, DEFAULT_SCOPES } from '../../app/names.js';
import { DEFAULT_OUTPUT_DIR } from '../../app/generate.js';
import { JwtSetupCommand } from '../../cli/command.js';
import { pushFlags, pushSettingsFromFlags } from '../../cli/push-flags.js';
import { BootstrapRenderer, toBootstrapResult, type BootstrapResult } from '../../cli/render/bootstrap.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.bootstrap');

export type { BootstrapResult } from '../../cli/render/bootstrap.js';

export default class Bootstrap extends JwtSetupCommand<BootstrapResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    // A plain string, not Flags.requiredOrg: the admin org is never taken from the configured default.
    'target-org': Flags.string({ summary: messages.getMessage('flags.target-org.summary'), required: true }),
    username: Flags.string({ char: 'o', summary: messages.getMessage('flags.username.summary'), required: true }),
    app: Flags.string({ summary: messages.getMessage('flags.app.summary'), required: true }),
    type: Flags.option({
      summary: messages.getMessage('flags.type.summary'),
      options: ['external', 'connected'] as const,
      default: 'external' as const,
    })(),
    'permission-set': Flags.string({ summary: messages.getMessage('flags.permission-set.summary') }),
    profile: Flags.string({ summary: messages.getMessage('flags.profile.summary'), multiple: true }),
    'contact-email': Flags.string({ summary: messages.getMessage('flags.contact-email.summary') }),
    scopes: Flags.string({ summary: messages.getMessage('flags.scopes.summary'), default: DEFAULT_SCOPES }),
    'api-version': Flags.string({
      summary: messages.getMessage('flags.api-version.summary'),
      default: DEFAULT_API_VERSION,
    }),
    'jwt-key-file': Flags.file({ char: 'f', summary: messages.getMessage('flags.jwt-key-file.summary') }),
    'passphrase-env': Flags.string({ summary: messages.getMessage('flags.passphrase-env.summary') }),
    'certificate-file': Flags.file({ char: 'c', summary: messages.getMessage('flags.certificate-file.summary') }),
    'consumer-key': Flags.string({ summary: messages.getMessage('flags.consumer-key.summary') }),
    'output-dir': Flags.directory({
      char: 'd',
      summary: messages.getMessage('flags.output-dir.summary'),
      default: '.',
    }),
    'source-dir': Flags.directory({
      summary: messages.getMessage('flags.source-dir.summary'),
      default: DEFAULT_OUTPUT_DIR,
    }),
    'instance-url': Flags.string({ char: 'r', summary: messages.getMessage('flags.instance-url.summary') }),
    alias: Flags.string({ char: 'a', summary: messages.getMessage('flags.alias.summary') }),
    'set-default': Flags.boolean({
      char: 's',
      summary: messages.getMessage('flags.set-default.summary'),
      default: false,
    }),
    wait: Flags.integer({
      char: 'w',
      summary: messages.getMessage('flags.wait.summary'),
      min: 1,
      max: 120,
      default: 10,
    }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    force: Flags.boolean({
      summary: messages.getMessage('flags.force.summary'),
      description: messages.getMessage('flags.force.description'),
      default: false,
    }),
    ...pushFlags,
  };

  public async run(): Promise<BootstrapResult> {
    const { flags } = await this.parse(Bootstrap);
    const renderer = new BootstrapRenderer(this, messages);
    // The org side is loaded only here: login and the other commands never pay for the metadata library.
    const { bootstrap } = await import('../../bootstrap/bootstrap.js');
    const outcome = await bootstrap({
      targetOrg: flags['target-org'],
      username: flags.username,
      app: flags.app,
      kind: flags.type,
      permissionSet: flags['permission-set'],
      profiles: flags.profile ?? [],
      contactEmail: flags['contact-email'],
      scopes: flags.scopes,
      apiVersion: flags['api-version'],
      keyFile: flags['jwt-key-file'],
      passphraseEnv: flags['passphrase-env'],
      certificateFile: flags['certificate-file'],
      consumerKey: flags['consumer-key'],
      outputDir: flags['output-dir'],
      sourceDir: flags['source-dir'],
      instanceUrl: flags['instance-url'],
      alias: flags.alias,
      setDefault: flags['set-default'],
      waitMinutes: flags.wait,
      dryRun: flags['dry-run'],
      force: flags.force,
      push: pushSettingsFromFlags(flags),
      onEvent: (event) => renderer.event(event),
    });
    renderer.finish();
    const result = toBootstrapResult(outcome, flags.type, messages, {
      prefix: flags['secret-prefix'],
      suffix: flags['secret-suffix'],
    });
    renderer.report(result);
    return result;
  }
}
