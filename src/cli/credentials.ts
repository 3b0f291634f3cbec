/*
 * The one place that turns the credential flags, and the SF_JWT_* variables behind them, into the plain Credentials
 * every domain module takes. Flags win over variables, so a pipeline can log in with no flags at all.
 */
import type { Credentials } from '../auth/credentials.js';
import { DEFAULT_KEY_ENV } from '../keys/private-key.js';

/** The variables the plugin reads: one list, used by the mapping below and named in the README. */
export const ENV = {
  clientId: 'SF_JWT_CLIENT_ID',
  username: 'SF_JWT_USERNAME',
  instanceUrl: 'SF_JWT_INSTANCE_URL',
  key: DEFAULT_KEY_ENV,
  audience: 'SF_AUDIENCE_URL',
} as const;

/** The values of the shared credential flags (src/cli/flags.ts), as oclif parses them. */
export type CredentialFlagValues = {
  username?: string;
  'jwt-key-file'?: string;
  'jwt-key-env'?: string;
  'passphrase-env'?: string;
  'client-id'?: string;
  'instance-url'?: string;
  sandbox?: boolean;
  audience?: string;
};

export function credentialsFromFlags(flags: CredentialFlagValues, env: NodeJS.ProcessEnv = process.env): Credentials {
  const instanceUrl =
    flags['instance-url'] !== undefined
      ? { value: flags['instance-url'], source: 'flag' as const }
      : env[ENV.instanceUrl]
        ? { value: env[ENV.instanceUrl] as string, source: 'env' as const }
        : undefined;
  const audience = flags.audience ?? env[ENV.audience];
  return {
    clientId: flags['client-id'] ?? env[ENV.clientId],
    username: flags.username ?? env[ENV.username],
    key: flags['jwt-key-file'] ? { file: flags['jwt-key-file'] } : { env: flags['jwt-key-env'] ?? ENV.key },
    keyEnvNamed: !flags['jwt-key-file'] && flags['jwt-key-env'] !== undefined,
    ...(flags['passphrase-env'] !== undefined ? { passphraseEnv: flags['passphrase-env'] } : {}),
    ...(instanceUrl ? { instanceUrl } : {}),
    sandbox: flags.sandbox ?? false,
    ...(audience !== undefined ? { audience } : {}),
  };
}
