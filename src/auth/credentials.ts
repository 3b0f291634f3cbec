/*
 * What a JWT login is made of, as plain values, before validation: the command line (src/cli/credentials.ts) maps its
 * flags and the SF_JWT_* variables into this once; login, doctor, assertion, bootstrap and rotate take it.
 */
import type { KeyInput } from '../keys/private-key.js';

export type LoginUrlSource = 'flag' | 'env' | 'sandbox' | 'project' | 'default' | 'store' | 'manifest';

export type Credentials = {
  /** The consumer key as given (validated by resolveClientId). */
  clientId?: string;
  username?: string;
  /** Where the private key is: a file, or an environment variable that holds it. */
  key?: KeyInput;
  /** The variable was named explicitly (--jwt-key-env), so an empty one is an error naming it. */
  keyEnvNamed?: boolean;
  /** The variable holding the key's passphrase. */
  passphraseEnv?: string;
  /** The login host as given, and where it came from. */
  instanceUrl?: { value: string; source: LoginUrlSource };
  sandbox?: boolean;
  /** An explicit `aud` (--audience, SF_AUDIENCE_URL). */
  audience?: string;
};
