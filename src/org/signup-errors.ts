/*
 * What a scratch org signup error code means, in the plugin's words (messages/signup-errors.md). The codes are the
 * ones sfdx-core knows (src/org/scratchOrgErrorCodes.ts) and Salesforce documents in the DX Developer Guide ("Scratch
 * Org Error Codes"); C-1016's cause is the one the facts gathered for this plugin state (the app for proxy signup
 * needs a valid consumer key, callback URL and an unexpired certificate; an External Client App cannot be used).
 */
import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'signup-errors');

/** The documented error codes page, for codes the plugin has no words for. */
export const SIGNUP_ERROR_CODES_URL =
  'https://developer.salesforce.com/docs/atlas.en-us.sfdx_dev.meta/sfdx_dev/sfdx_dev_scratch_orgs_error_codes.htm';

const KNOWN = new Set([
  'C-1007',
  'C-1015',
  'C-1016',
  'C-1017',
  'C-1020',
  'C-1027',
  'C-9999',
  'S-1006',
  'S-1017',
  'S-1018',
  'S-1019',
  'S-1026',
  'S-2006',
  'S-9999',
  'SH-0001',
  'SH-0002',
  'SH-0003',
  'T-0002',
  'T-0003',
  'T-0004',
]);

/** The cause of a signup error code, or the pointer to Salesforce's list for an unknown one. */
export function signupErrorCause(code: string | undefined): string {
  if (code && KNOWN.has(code)) return messages.getMessage(code);
  return messages.getMessage('unknown', [code ?? '-', SIGNUP_ERROR_CODES_URL]);
}
