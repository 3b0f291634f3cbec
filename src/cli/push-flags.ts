/*
 * --push and its companions, shared by bootstrap and rotate, and their mapping to the push module's plain options.
 * Tokens and API bases are not flags: they come from the variables each platform already sets.
 */
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import type { PushSettings } from '../push/push.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'push');

export const pushFlags = {
  push: Flags.string({
    summary: messages.getMessage('flags.push.summary'),
    description: messages.getMessage('flags.push.description'),
    multiple: true,
  }),
  'secret-prefix': Flags.string({ summary: messages.getMessage('flags.secret-prefix.summary'), dependsOn: ['push'] }),
  'secret-suffix': Flags.string({ summary: messages.getMessage('flags.secret-suffix.summary'), dependsOn: ['push'] }),
  protected: Flags.boolean({
    summary: messages.getMessage('flags.protected.summary'),
    allowNo: true,
    default: true,
  }),
};

export type PushFlagValues = {
  push?: string[];
  'secret-prefix'?: string;
  'secret-suffix'?: string;
  protected: boolean;
};

export function pushSettingsFromFlags(
  flags: PushFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): PushSettings | undefined {
  if (!flags.push || flags.push.length === 0) return undefined;
  return {
    targets: flags.push,
    naming: { prefix: flags['secret-prefix'], suffix: flags['secret-suffix'] },
    protected: flags.protected,
    env,
  };
}
