/* doctor's flags as the runner's plain options. */
import type { DoctorOptions } from '../doctor/context.js';
import { credentialsFromFlags, type CredentialFlagValues } from './credentials.js';

export type DoctorFlagValues = CredentialFlagValues & {
  'certificate-file'?: string;
  offline?: boolean;
  'target-org'?: string;
  'admin-org'?: string;
  app?: string;
  'dev-hub'?: boolean;
};

export function doctorOptionsFromFlags(
  flags: DoctorFlagValues,
  options: { timeoutSeconds: number; env?: NodeJS.ProcessEnv; sfCoreVersion?: string },
): DoctorOptions {
  const env = options.env ?? process.env;
  return {
    credentials: credentialsFromFlags(flags, env),
    certificateFile: flags['certificate-file'],
    offline: flags.offline,
    targetOrg: flags['target-org'],
    adminOrg: flags['admin-org'],
    app: flags.app,
    devHub: flags['dev-hub'] ?? false,
    ...(options.sfCoreVersion ? { sfCoreVersion: options.sfCoreVersion } : {}),
    timeoutSeconds: options.timeoutSeconds,
    env,
  };
}
