/*
 * The plugin's one error vocabulary.
 *
 * Every failure a user can cause or meet is a JwtSetupError with a code from the closed list below. The code is the
 * error's `name` (as sf plugins name errors) and its `code` (what `--json` shows), the message and the actions (the fix)
 * come from messages/errors.md, so each code has exactly one wording and one set of remedies.
 *
 * Messages never contain secret material: callers pass paths, variable names, hosts and Salesforce's own error text,
 * never key bytes or tokens.
 */
import { format } from 'node:util';
import { Messages, SfError } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'errors');
const reasons = Messages.loadMessages('sf-jwt-setup', 'reasons');

export const ERROR_CODES = [
  // key input
  'KeyFileNotFound',
  'KeyFileUnreadable',
  'KeyEnvUnset',
  'KeyEnvLooksLikePath',
  'KeySourceMissing',
  'KeyEmpty',
  'KeyTooLarge',
  'KeyIsCertificate',
  'KeyIsCertificateRequest',
  'KeyIsPublicKey',
  'KeyIsOpenSsh',
  'KeyNotRsa',
  'KeyTooSmall',
  'KeyTruncated',
  'KeyBase64Invalid',
  'KeyMalformed',
  'KeyCorrupt',
  'KeyEncryptedNoPassphrase',
  'KeyWrongPassphrase',
  'KeyOpensslEncNoPassphrase',
  'PassphraseEnvUnset',
  // certificate input
  'CertificateFileNotFound',
  'CertificateMalformed',
  'CertificateKeyMismatch',
  'CertificateChain',
  // keygen and files
  'InvalidKeySize',
  'InvalidDays',
  'InvalidSubject',
  'OutputDirUnwritable',
  'FilesExist',
  'InvalidFileName',
  'WriteFailed',
  // login inputs
  'MissingClientId',
  'MissingUsername',
  'InvalidClientId',
  'InvalidUsername',
  'InvalidUrl',
  'InsecureUrl',
  'LightningUrl',
  'SetupPageUrl',
  'InvalidExpiresIn',
  'InvalidAlias',
  // Salesforce's answers
  'UserNotApproved',
  'AudienceInvalid',
  'InvalidAssertion',
  'AssertionExpired',
  'InactiveUser',
  'IpRestricted',
  'ClientIdentifierInvalid',
  'AppAccessDenied',
  'AppNotInstalled',
  'UnsupportedGrantType',
  'OAuthError',
  // transport
  'NetworkError',
  'ServerUnavailable',
  'UnexpectedResponse',
  'RequestTimeout',
  'OrgReadFailed',
  // auth store
  'AuthNotFound',
  'AuthSaveFailed',
  'AuthFileUnreadable',
  'StoreNotWritable',
  'StoreLocked',
  // assertion check
  'AssertionMissing',
  'AssertionCheckFailed',
  // doctor
  'DoctorFailed',
  // app
  'InvalidAppName',
  'InvalidConsumerKey',
  'InvalidScopes',
  'InvalidEmail',
  'InvalidApiVersion',
  'InvalidPermissionSetName',
  'InvalidProfileName',
  'PermissionSetNameRequired',
  'AppMetadataMalformed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The exit status of every JwtSetupError: 1 (the sf convention for a failed command); flag parsing keeps oclif's 2. */
export const EXIT_FAILURE = 1;

/** The error's name, as sf names errors (`<Code>Error`), without doubling a code that already ends in Error. */
export function errorName(code: ErrorCode): string {
  return code.endsWith('Error') ? code : `${code}Error`;
}

export class JwtSetupError extends SfError {
  public constructor(code: ErrorCode, message: string, actions: string[] | undefined, cause?: unknown) {
    super(message, errorName(code), actions, EXIT_FAILURE, cause instanceof Error ? cause : undefined);
    this.code = code;
  }

  /** The code, typed: `code` itself is a string on SfError. */
  public get errorCode(): ErrorCode {
    return this.code as ErrorCode;
  }
}

/**
 * Create the coded error `code`, with its message tokens and action tokens substituted.
 * A foreign error that explains it goes in `cause` (never one whose message may hold secret material).
 */
export function jwtError(
  code: ErrorCode,
  tokens: Array<string | number> = [],
  actionTokens: Array<string | number> = [],
  cause?: unknown,
): JwtSetupError {
  const message = messages.getMessage(code, tokens.map(bounded));
  return new JwtSetupError(code, message, actionsOf(code, actionTokens.map(bounded)), cause);
}

/** The most of one value a message quotes: a 100 kB flag value must not make a 100 kB error (or --json document). */
export const QUOTE_MAX = 200;

/**
 * A value as messages quote it: at most QUOTE_MAX characters, then an ellipsis and the full length; a value with
 * control characters (a newline in a name) is shown escaped, as a JSON string, so it cannot break the line it is in.
 */
export function bounded(value: string | number): string {
  const text = String(value);
  // eslint-disable-next-line no-control-regex
  const shown = /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
  if (shown.length <= QUOTE_MAX) return shown;
  return `${shown.slice(0, QUOTE_MAX)}… ${reasons.getMessage('quote.cut', [String(text.length)])}`;
}

/** The actions (fixes) of a code; every code has some, a test asserts it. */
export function actionsOf(code: ErrorCode, actionTokens: Array<string | number> = []): string[] {
  // Tokens are spread over the bullets that have specifiers; bullets without one are left alone (core would log a
  // warning for each of those instead).
  let next = 0;
  return messages.getMessages(`${code}.actions`).map((line) => {
    const count = (line.match(/%[sdifjoO]/g) ?? []).length;
    if (count === 0) return line;
    const tokens = actionTokens.slice(next, next + count).map(String);
    next += count;
    return format(line, ...tokens);
  });
}

/**
 * A fragment that completes a coded message or a check (why a value is refused, what a connection did), from
 * messages/reasons.md, so that these words live with the rest of the plugin's text.
 */
export function reason(key: string, tokens: Array<string | number> = []): string {
  return reasons.getMessage(key, tokens.map(bounded));
}

export function isJwtSetupError(error: unknown, code?: ErrorCode): error is JwtSetupError {
  return error instanceof JwtSetupError && (code === undefined || error.errorCode === code);
}
