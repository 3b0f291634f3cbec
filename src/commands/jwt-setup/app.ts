import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { DEFAULT_API_VERSION, DEFAULT_SCOPES } from '../../app/names.js';
import { DEFAULT_CERTIFICATE_FILE, DEFAULT_OUTPUT_DIR, planApp, writeAppFiles } from '../../app/generate.js';
import { reportApp, toResult, type AppResult } from '../../cli/render/app.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.app');

export type { AppResult } from '../../cli/render/app.js';

export default class App extends JwtSetupCommand<AppResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary'), required: true }),
    'certificate-file': Flags.file({
      char: 'c',
      summary: messages.getMessage('flags.certificate-file.summary'),
      default: DEFAULT_CERTIFICATE_FILE,
    }),
    'consumer-key': Flags.string({ summary: messages.getMessage('flags.consumer-key.summary') }),
    'permission-set': Flags.string({ summary: messages.getMessage('flags.permission-set.summary') }),
    'existing-permission-set': Flags.boolean({
      summary: messages.getMessage('flags.existing-permission-set.summary'),
      default: false,
    }),
    profile: Flags.string({ summary: messages.getMessage('flags.profile.summary'), multiple: true }),
    scopes: Flags.string({ summary: messages.getMessage('flags.scopes.summary'), default: DEFAULT_SCOPES }),
    'contact-email': Flags.string({ summary: messages.getMessage('flags.contact-email.summary') }),
    'api-version': Flags.string({
      summary: messages.getMessage('flags.api-version.summary'),
      default: DEFAULT_API_VERSION,
    }),
    type: Flags.option({
      summary: messages.getMessage('flags.type.summary'),
      options: ['external', 'connected'] as const,
      default: 'external' as const,
    })(),
    'output-dir': Flags.directory({
      char: 'd',
      summary: messages.getMessage('flags.output-dir.summary'),
      default: DEFAULT_OUTPUT_DIR,
    }),
    force: Flags.boolean({ summary: messages.getMessage('flags.force.summary'), default: false }),
  };

  public async run(): Promise<AppResult> {
    const { flags } = await this.parse(App);
    const plan = await planApp({
      kind: flags.type,
      name: flags.name,
      certificateFile: flags['certificate-file'],
      consumerKey: flags['consumer-key'],
      permissionSet: flags['permission-set'],
      existingPermissionSet: flags['existing-permission-set'],
      profiles: flags.profile,
      scopes: flags.scopes,
      contactEmail: flags['contact-email'],
      apiVersion: flags['api-version'],
      outputDir: flags['output-dir'],
      force: flags.force,
    });
    await writeAppFiles(plan, { force: flags.force });
    const result = toResult(plan);
    reportApp(plan, result, this);
    return result;
  }
}
