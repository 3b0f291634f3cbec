/** The hub group's words (messages/doctor-hub.md), kept with the group so that it stays one self-contained file set. */
import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'doctor-hub');

export const hm = (key: string, tokens: Array<string | number> = []): string =>
  messages.getMessage(key, tokens.map(String));
