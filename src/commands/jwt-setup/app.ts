import { relative } from 'node:path';
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { DEFAULT_API_VERSION, DEFAULT_SCOPES, type AppKind } from '../../app/names.js';
import {
  DEFAULT_CERTIFICATE_FILE,
  DEFAULT_OUTPUT_DIR,
  planApp,
  writeAppFiles,
  type AppPlan,
  type AppWarning,
} from '../../app/generate.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.app');

export type AppResult = {
  type: AppKind;
  name: string;
  label: string;
  consumerKey: string;
  consumerKeyGenerated: boolean;
  /** absolute paths of the files written */
  files: string[];
  /** the permission set that admits users, or null when only profiles do */
  permissionSet: string | null;
  permissionSetCreated: boolean;
  profiles: string[];
  /** OAuth scope tokens, e.g. ["api", "refresh_token"] */
  scopes: string[];
  /** the same as the metadata names them, e.g. ["Api", "RefreshToken"] */
  metadataScopes: string[];
  apiVersion: string;
  certificateFile: string;
  certificateFingerprintSha256: string;
  certificateNotAfter: string;
  outputDir: string;
  nextSteps: string[];
  notes: string[];
};

/** A path for a shell command line, relative to the current folder when inside it. */
function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel !== '' && !rel.startsWith('..') ? rel : path;
  return /^[\w./:@-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, "'\\''")}'`;
}

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
    'api-version': Flags.string({ summary: messages.getMessage('flags.api-version.summary'), default: DEFAULT_API_VERSION }),
    type: Flags.option({
      summary: messages.getMessage('flags.type.summary'),
      options: ['external', 'connected'] as const,
      default: 'external' as const,
    })(),
    'output-dir': Flags.directory({ char: 'd', summary: messages.getMessage('flags.output-dir.summary'), default: DEFAULT_OUTPUT_DIR }),
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
    this.report(plan, result);
    return result;
  }

  private report(plan: AppPlan, result: AppResult): void {
    for (const warning of plan.warnings) this.warn(warningText(warning));
    if (plan.replaces.length > 0) this.warn(messages.getMessage('warn.replaced', [plan.replaces.map(shellPath).join(', ')]));
    this.logSuccess(
      messages.getMessage('info.wrote', [messages.getMessage(`info.kind.${result.type}`), result.name, result.files.length, result.apiVersion])
    );
    this.log(messages.getMessage('info.files'));
    for (const file of result.files) this.log(`  ${shellPath(file)}`);
    this.log(
      messages.getMessage('info.consumerKey', [
        result.consumerKey,
        result.consumerKeyGenerated ? messages.getMessage('info.consumerKeyGenerated') : '',
      ])
    );
    this.log(messages.getMessage('info.certificate', [shellPath(result.certificateFile), result.certificateFingerprintSha256, result.certificateNotAfter]));
    if (result.permissionSet !== null) {
      this.log(messages.getMessage(`info.permissionSet.${result.permissionSetCreated ? 'created' : 'referenced'}`, [result.permissionSet]));
      if (result.profiles.length > 0) this.log(messages.getMessage('info.profiles', [result.profiles.join(', ')]));
    } else {
      this.log(messages.getMessage('info.profilesOnly', [result.profiles.join(', ')]));
    }
    this.log('');
    this.log(messages.getMessage('info.nextSteps'));
    result.nextSteps.forEach((step, i) => this.log(`  ${i + 1}. ${step}`));
    this.log('');
    for (const note of result.notes) this.log(`Note: ${note}`);
  }
}

function warningText(warning: AppWarning): string {
  switch (warning.code) {
    case 'certificateExpired':
    case 'certificateExpiresSoon':
      return messages.getMessage(`warn.${warning.code}`, [warning.date]);
    case 'certificateNotRsa':
      return messages.getMessage('warn.certificateNotRsa', [warning.keyType]);
    case 'noApiScope':
      return messages.getMessage('warn.noApiScope');
    case 'placeholderContactEmail':
      return messages.getMessage('warn.placeholderContactEmail', [warning.email]);
  }
}

function toResult(plan: AppPlan): AppResult {
  const { spec } = plan;
  const keyFile = plan.certificateFile.endsWith('.crt') ? shellPath(plan.certificateFile.replace(/\.crt$/, '.key')) : '<private key file>';
  const nextSteps: string[] = [];
  if (spec.kind === 'external') nextSteps.push(messages.getMessage('nextStep.orgSetting'));
  nextSteps.push(messages.getMessage('nextStep.deploy', [plan.files.map((f) => `--source-dir ${shellPath(f.path)}`).join(' ')]));
  if (spec.permissionSet !== undefined) nextSteps.push(messages.getMessage('nextStep.assign', [spec.permissionSet]));
  else nextSteps.push(messages.getMessage('nextStep.profile', [spec.profiles.join(', ')]));
  nextSteps.push(
    messages.getMessage('nextStep.login', [spec.consumerKey, keyFile, messages.getMessage(`nextStep.instanceUrl.${spec.kind}`)])
  );
  const secretFile = plan.files.find((f) => f.type === 'ExtlClntAppGlobalOauthSettings' || f.type === 'ConnectedApp');
  const notes = [messages.getMessage('note.localToOrg')];
  if (secretFile) notes.push(messages.getMessage('note.secret', [shellPath(secretFile.path)]));
  if (spec.kind === 'connected') notes.push(messages.getMessage('note.connectedBlocked'));
  return {
    type: spec.kind,
    name: spec.name,
    label: spec.label,
    consumerKey: spec.consumerKey,
    consumerKeyGenerated: plan.consumerKeyGenerated,
    files: plan.files.map((f) => f.path),
    permissionSet: spec.permissionSet ?? null,
    permissionSetCreated: plan.permissionSetMode === 'created',
    profiles: spec.profiles,
    scopes: spec.scopes,
    metadataScopes: spec.metadataScopes,
    apiVersion: spec.apiVersion,
    certificateFile: plan.certificateFile,
    certificateFingerprintSha256: plan.certificateFingerprintSha256,
    certificateNotAfter: plan.certificateNotAfter,
    outputDir: plan.outputDir,
    nextSteps,
    notes,
  };
}
