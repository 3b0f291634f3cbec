/*
 * The credential flags that login, doctor and assertion share, named as `sf org login jwt` names them.
 */
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { manglings, type Repair } from '../keys/pem.js';
import type { KeyInput } from '../keys/private-key.js';

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

/**
 * The sf CLI prints every SF_* and SFDX_* variable in its DEBUG start-up output, before any plugin runs: a key held in
 * one (SF_JWT_KEY, the documented default) is then in the log. Say so when it happens.
 */
export function keyEnvDebugWarning(key: KeyInput, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!('env' in key) || !env.DEBUG || !/^(SF|SFDX)_/i.test(key.env)) return undefined;
  return messages.getMessage('warning.keyEnvDebug', [key.env]);
}

export function describeRepairs(repairs: readonly Repair[]): string | undefined {
  const damage = manglings(repairs);
  return damage.length > 0 ? messages.getMessage('warning.keyRepaired', [damage.join(', ')]) : undefined;
}
