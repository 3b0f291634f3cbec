/*
 * The credential flags that login, doctor, assertion, bootstrap and rotate share, named as `sf org login jwt` names
 * them, and the notices about a key that every command that reads one gives.
 */
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { manglings, type Repair } from '../keys/pem.js';
import type { KeyInput } from '../keys/private-key.js';
import { keyExposedByDebug } from '../keys/exposure.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'shared');

export const credentialFlags = {
  username: Flags.string({ char: 'o', summary: messages.getMessage('flags.username.summary') }),
  'jwt-key-file': Flags.file({ char: 'f', summary: messages.getMessage('flags.jwt-key-file.summary') }),
  'jwt-key-env': Flags.string({ summary: messages.getMessage('flags.jwt-key-env.summary') }),
  'passphrase-env': Flags.string({ summary: messages.getMessage('flags.passphrase-env.summary') }),
  'client-id': Flags.string({ char: 'i', summary: messages.getMessage('flags.client-id.summary') }),
  'instance-url': Flags.string({
    char: 'r',
    summary: messages.getMessage('flags.instance-url.summary'),
    description: messages.getMessage('flags.instance-url.description'),
  }),
  sandbox: Flags.boolean({ summary: messages.getMessage('flags.sandbox.summary'), default: false }),
  audience: Flags.string({ summary: messages.getMessage('flags.audience.summary') }),
};

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
export const timeoutFlag = (defaultSeconds: number) =>
  Flags.integer({ summary: messages.getMessage('flags.timeout.summary'), default: defaultSeconds, min: 1, max: 3600 });

/** The warning when the key sits in an SF_* variable while DEBUG makes the sf CLI print those (see keys/exposure). */
export function keyEnvDebugWarning(key: KeyInput, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return keyExposedByDebug(key, env) ? messages.getMessage('warning.keyEnvDebug', [key.env]) : undefined;
}

export function describeRepairs(repairs: readonly Repair[]): string | undefined {
  const damage = manglings(repairs);
  return damage.length > 0 ? messages.getMessage('warning.keyRepaired', [damage.join(', ')]) : undefined;
}
