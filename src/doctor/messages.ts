/** Doctor's words (messages/doctor.md), for the checks of its catalogue. */
import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'doctor');

export const m = (key: string, tokens: Array<string | number> = []): string =>
  messages.getMessage(key, tokens.map(String));
