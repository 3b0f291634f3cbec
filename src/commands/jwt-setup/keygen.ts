import { relative } from 'node:path';
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { keygen, type KeygenOutcome } from '../../keys/keygen.js';
import { passphraseFromEnv } from '../../keys/private-key.js';
import { keygenWithApp } from '../../app/setup.js';
import { reportApp, toResult, type AppResult } from '../../cli/render/app.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.keygen');

export type KeygenResult = KeygenOutcome & {
  /** With --app: the app written for the new certificate, as `sf jwt-setup app --json` returns it. */
  app?: AppResult;
};

export default class Keygen extends JwtSetupCommand<KeygenResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'output-dir': Flags.directory({
      char: 'd',
      summary: messages.getMessage('flags.output-dir.summary'),
      default: '.',
    }),
    name: Flags.string({ char: 'n', summary: messages.getMessage('flags.name.summary'), default: 'server' }),
    'key-size': Flags.integer({ summary: messages.getMessage('flags.key-size.summary'), default: 2048 }),
    days: Flags.integer({ summary: messages.getMessage('flags.days.summary'), default: 365 }),
    subject: Flags.string({ summary: messages.getMessage('flags.subject.summary') }),
    'key-file': Flags.file({ summary: messages.getMessage('flags.key-file.summary') }),
    'passphrase-env': Flags.string({ summary: messages.getMessage('flags.passphrase-env.summary') }),
    force: Flags.boolean({ summary: messages.getMessage('flags.force.summary'), default: false }),
    app: Flags.string({ summary: messages.getMessage('flags.app.summary') }),
    'contact-email': Flags.string({ summary: messages.getMessage('flags.contact-email.summary'), dependsOn: ['app'] }),
  };

  public async run(): Promise<KeygenResult> {
    const { flags } = await this.parse(Keygen);
    const options = {
      outputDir: flags['output-dir'],
      name: flags.name,
      keySize: flags['key-size'],
      days: flags.days,
      subject: flags.subject,
      keyFile: flags['key-file'],
      passphrase: passphraseFromEnv(flags['passphrase-env']),
      force: flags.force,
    };
    if (!flags.app) {
      const result = await keygen(options);
      this.report(result, flags['passphrase-env']);
      return result;
    }
    const both = await keygenWithApp(options, {
      name: flags.app,
      contactEmail: flags['contact-email'],
      force: flags.force,
    });
    this.report(both.keygen, flags['passphrase-env']);
    this.log('');
    const app = toResult(both.app);
    reportApp(both.app, app, this);
    return { ...both.keygen, app };
  }

  private report(result: KeygenResult, passphraseEnv: string | undefined): void {
    const keyState = !result.keyGenerated
      ? messages.getMessage('info.existingKey')
      : messages.getMessage('info.keyMode', [
          result.keyEncrypted
            ? messages.getMessage('info.encrypted', [passphraseEnv])
            : messages.getMessage('info.notEncrypted'),
        ]);
    this.logSuccess(
      result.keyGenerated
        ? messages.getMessage('info.wrote', [result.keySize])
        : messages.getMessage('info.wroteCertificate', [result.keySize]),
    );
    this.log(
      messages.getMessage('info.details', [
        result.keyFile,
        keyState,
        result.certificateFile,
        result.subject,
        result.notBefore,
        result.notAfter,
        result.serialNumber,
        result.fingerprintSha256,
        result.fingerprintSha1,
      ]),
    );
    const cert = relative(process.cwd(), result.certificateFile) || result.certificateFile;
    const key = relative(process.cwd(), result.keyFile) || result.keyFile;
    this.log('');
    this.log(messages.getMessage('info.nextSteps', [cert, cert, key, key, key]));
    if (result.keyEncrypted) this.log(messages.getMessage('info.nextStepsEncrypted'));
  }
}
