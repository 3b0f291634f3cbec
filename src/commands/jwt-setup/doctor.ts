import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtSetupCommand } from '../../cli/command.js';
import { credentialFlags, timeoutFlag } from '../../cli/flags.js';
import { countByStatus } from '../../report/check.js';
import { doctorOptionsFromFlags } from '../../cli/doctor-options.js';
import { runDoctor, type DoctorReport } from '../../doctor/runner.js';
import { publishToGithub, renderText } from '../../cli/render/report.js';
import { scratchCreateCoreVersion } from '../../util/sf-core.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.doctor');

export type DoctorResult = DoctorReport;

export default class Doctor extends JwtSetupCommand<DoctorResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    ...credentialFlags,
    'certificate-file': Flags.file({ char: 'c', summary: messages.getMessage('flags.certificate-file.summary') }),
    offline: Flags.boolean({ summary: messages.getMessage('flags.offline.summary'), default: false }),
    'target-org': Flags.string({ summary: messages.getMessage('flags.target-org.summary') }),
    'admin-org': Flags.string({ summary: messages.getMessage('flags.admin-org.summary') }),
    app: Flags.string({ summary: messages.getMessage('flags.app.summary'), dependsOn: ['admin-org'] }),
    'dev-hub': Flags.boolean({
      summary: messages.getMessage('flags.dev-hub.summary'),
      description: messages.getMessage('flags.dev-hub.description'),
      // no default: oclif checks dependsOn for a defaulted flag too
      dependsOn: ['target-org'],
    }),
    timeout: timeoutFlag(60),
  };

  public async run(): Promise<DoctorResult> {
    const { flags } = await this.parse(Doctor);
    const report = await runDoctor(
      doctorOptionsFromFlags(flags, {
        timeoutSeconds: flags.timeout,
        sfCoreVersion: flags['dev-hub'] ? scratchCreateCoreVersion(this.config.root) : undefined,
      }),
    );
    if (report.assertion) {
      this.log(
        messages.getMessage('info.assertion', [
          JSON.stringify(report.assertion.header),
          JSON.stringify(report.assertion.claims),
        ]),
      );
      this.log('');
    }
    for (const line of renderText(report.checks)) this.log(line);
    publishToGithub(report.checks, process.env, (line) => this.log(line));
    const counts = countByStatus(report.checks);
    if (report.ok) this.logSuccess(messages.getMessage('info.ok'));
    else {
      this.log(messages.getMessage('info.failed', [counts.fail, report.checks.length]));
      process.exitCode = 1;
    }
    return report;
  }
}
