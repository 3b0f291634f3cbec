/*
 * The plugin's one error vocabulary.
 *
 * Every failure a user can cause or meet is a JwtSetupError with a code from the closed table below. The code names
 * the error (`<Code>Error`, as sf plugins name errors) and is its `code` (what `--json` shows); the message and the
 * actions (the fix) come from messages/errors.md through Messages.createError, so each code has exactly one wording
 * and one set of remedies. Every action bullet of a code that takes action tokens has a specifier, so core never
 * logs a warning about unused tokens for an expected refusal.
 *
 * Messages never contain secret material: callers pass paths, variable names, hosts and Salesforce's own error text,
 * never key bytes or tokens.
 */
import { Messages, SfError } from '@salesforce/core';
import { escapeUnsafe, hasUnsafeCharacters } from './util/text.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'errors');
/**
 * messages/reasons-<domain>.md, by the prefix of a reason's key ('http.timeout' is in reasons-exchange.md). A prefix
 * not listed here is its own domain ('hub.x' is in reasons-hub.md); keys without a prefix are in reasons-general.md.
 */
const REASON_DOMAINS: Record<string, string> = {
  http: 'exchange',
  token: 'exchange',
  subject: 'keys',
  key: 'keys',
  cert: 'keys',
  pem: 'keys',
  sfKey: 'keys',
  url: 'inputs',
  username: 'inputs',
  consumerKey: 'inputs',
  clientId: 'inputs',
  audience: 'inputs',
  alias: 'inputs',
  apiName: 'inputs',
  profile: 'inputs',
  xml: 'app',
  fs: 'store',
  auth: 'store',
  quote: 'general',
};

/** The loaded reason files (immutable text, loaded once per process). */
const reasonFiles = new Map<string, ReturnType<typeof Messages.loadMessages>>();

function reasonsFor(key: string): ReturnType<typeof Messages.loadMessages> {
  const prefix = key.includes('.') ? key.slice(0, key.indexOf('.')) : '';
  const domain = REASON_DOMAINS[prefix] ?? (prefix || 'general');
  let file = reasonFiles.get(domain);
  if (!file) {
    file = Messages.loadMessages('sf-jwt-setup', `reasons-${domain}`);
    reasonFiles.set(domain, file);
  }
  return file;
}

/**
 * The closed list of codes, each with what callers decide by: its group, whether it is worth retrying (a passing
 * network fault, or a change still propagating in Salesforce), and whether another audience at the same host may
 * succeed. The message and the fix of each code are in messages/errors.md.
 */
export const ERRORS = {
  // key
  KeyFileNotFound: { group: 'key' },
  KeyFileUnreadable: { group: 'key' },
  KeyEnvUnset: { group: 'key' },
  KeyEnvLooksLikePath: { group: 'key' },
  KeySourceMissing: { group: 'key' },
  KeyEmpty: { group: 'key' },
  KeyTooLarge: { group: 'key' },
  KeyIsCertificate: { group: 'key' },
  KeyIsCertificateRequest: { group: 'key' },
  KeyIsPublicKey: { group: 'key' },
  KeyIsOpenSsh: { group: 'key' },
  KeyNotRsa: { group: 'key' },
  KeyTooSmall: { group: 'key' },
  KeyTruncated: { group: 'key' },
  KeyBase64Invalid: { group: 'key' },
  KeyMalformed: { group: 'key' },
  KeyCorrupt: { group: 'key' },
  KeyEncryptedNoPassphrase: { group: 'key' },
  KeyWrongPassphrase: { group: 'key' },
  KeyOpensslEncNoPassphrase: { group: 'key' },
  PassphraseEnvUnset: { group: 'key' },
  // certificate
  CertificateFileNotFound: { group: 'certificate' },
  CertificateMalformed: { group: 'certificate' },
  CertificateKeyMismatch: { group: 'certificate' },
  CertificateChain: { group: 'certificate' },
  // files
  InvalidKeySize: { group: 'files' },
  InvalidDays: { group: 'files' },
  InvalidSubject: { group: 'files' },
  OutputDirUnwritable: { group: 'files' },
  FilesExist: { group: 'files' },
  InvalidFileName: { group: 'files' },
  WriteFailed: { group: 'files' },
  // input
  MissingClientId: { group: 'input' },
  MissingUsername: { group: 'input' },
  InvalidClientId: { group: 'input' },
  InvalidUsername: { group: 'input' },
  InvalidUrl: { group: 'input' },
  InsecureUrl: { group: 'input' },
  LightningUrl: { group: 'input' },
  SetupPageUrl: { group: 'input' },
  InvalidExpiresIn: { group: 'input' },
  InvalidAlias: { group: 'input' },
  // salesforce
  UserNotApproved: { group: 'salesforce', retry: 'propagation' },
  AudienceInvalid: { group: 'salesforce', otherAudience: true },
  InvalidAssertion: { group: 'salesforce' },
  AssertionExpired: { group: 'salesforce' },
  InactiveUser: { group: 'salesforce' },
  IpRestricted: { group: 'salesforce' },
  ClientIdentifierInvalid: { group: 'salesforce', retry: 'propagation' },
  AppAccessDenied: { group: 'salesforce' },
  AppNotInstalled: { group: 'salesforce', retry: 'propagation', otherAudience: true },
  UnsupportedGrantType: { group: 'salesforce' },
  OAuthError: { group: 'salesforce' },
  // transport
  NetworkError: { group: 'transport', retry: 'transient' },
  ServerUnavailable: { group: 'transport', retry: 'transient' },
  UnexpectedResponse: { group: 'transport', retry: 'transient' },
  RequestTimeout: { group: 'transport', retry: 'transient' },
  // store
  AuthSaveFailed: { group: 'store' },
  AuthFileUnreadable: { group: 'store' },
  StoreNotWritable: { group: 'store' },
  StoreLocked: { group: 'store' },
  // assertion
  AssertionMissing: { group: 'assertion' },
  // app
  InvalidAppName: { group: 'app' },
  InvalidConsumerKey: { group: 'app' },
  InvalidScopes: { group: 'app' },
  InvalidEmail: { group: 'app' },
  InvalidApiVersion: { group: 'app' },
  InvalidPermissionSetName: { group: 'app' },
  InvalidProfileName: { group: 'app' },
  PermissionSetNameRequired: { group: 'app' },
  AppMetadataMalformed: { group: 'app' },
  // org (bootstrap, doctor --admin-org, rotate)
  AdminOrgUnreachable: { group: 'org' },
  UserNotFound: { group: 'org' },
  UserInactive: { group: 'org' },
  UserFrozen: { group: 'org' },
  KeyInPackageFolder: { group: 'org' },
  CertificateNewerInOrg: { group: 'org' },
  ConsumerKeyUnknown: { group: 'org' },
  ConsumerKeyConflict: { group: 'org' },
  DeployFailed: { group: 'org' },
  DeployTimedOut: { group: 'org' },
  DeployOutcomeUnknown: { group: 'org' },
  ConnectedAppCreationBlocked: { group: 'org' },
  AssignmentFailed: { group: 'org' },
  VerificationFailed: { group: 'org' },
  AppNotFound: { group: 'org' },
  RotationPreflightFailed: { group: 'org' },
  RotationRolledBack: { group: 'org' },
  RotationUnverified: { group: 'org' },
  RollbackFailed: { group: 'org' },
  // fleet (fleet login, fleet check)
  ManifestInvalid: { group: 'fleet' },
  FleetPartiallyFailed: { group: 'fleet' },
  // push (--push: the pipeline's secret store)
  InvalidPushTarget: { group: 'push' },
  PushTokenMissing: { group: 'push' },
  InvalidSecretName: { group: 'push' },
  PushApiFailed: { group: 'push' },
  PushTargetNotFound: { group: 'push' },
  PushForbidden: { group: 'push' },
  SecretPushFailed: { group: 'push' },
  // scratch orgs from a Dev Hub (login --dev-hub)
  DevHubNotFound: { group: 'org' },
  DevHubNotJwt: { group: 'org' },
  DevHubUnreachable: { group: 'org' },
  ScratchOrgNotFound: { group: 'org' },
  ScratchOrgSignupFailed: { group: 'org' },
  ScratchOrgNotReady: { group: 'org' },
  // fleet rotate
  CertificateMismatch: { group: 'fleet' },
  FleetPreflightFailed: { group: 'fleet' },
  FleetRotationRolledBack: { group: 'fleet' },
} as const satisfies Record<string, ErrorTraits>;

export type ErrorGroup =
  | 'key'
  | 'certificate'
  | 'files'
  | 'input'
  | 'salesforce'
  | 'transport'
  | 'store'
  | 'assertion'
  | 'app'
  | 'org'
  | 'fleet'
  | 'push';

export type ErrorTraits = {
  group: ErrorGroup;
  /** transient: a network fault or an unavailable server; propagation: a new app, user or assignment not live yet. */
  retry?: 'transient' | 'propagation';
  /** Another audience at the same host may be accepted. */
  otherAudience?: boolean;
};

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function traitsOf(code: ErrorCode): ErrorTraits {
  return ERRORS[code];
}

/** A refusal that a new app, user or sandbox still propagating gives: --wait retries it. */
export function isPropagationRefusal(code: ErrorCode): boolean {
  return traitsOf(code).retry === 'propagation';
}

/** A refusal after which another audience at the same host may succeed. */
export function isAudienceRefusal(code: ErrorCode): boolean {
  return traitsOf(code).otherAudience === true;
}

/** The exit status of every JwtSetupError: 1 (the sf convention for a failed command); flag parsing keeps oclif's 2. */
export const EXIT_FAILURE = 1;

/** The name of an error of `code`, as Messages.createError names it: `<Code>Error`, never doubled (NetworkError). */
export function errorName(code: ErrorCode): string {
  return code.endsWith('Error') ? code : `${code}Error`;
}

/**
 * A coded error: an SfError made by @salesforce/core's Messages.createError (name `<Code>Error`, message and actions
 * from messages/errors.md), whose `code` is the bare code the README documents (`UserNotApproved`).
 */
export class JwtSetupError extends SfError {
  public constructor(code: ErrorCode, source: SfError, cause?: unknown) {
    super(source.message, source.name, source.actions, EXIT_FAILURE, cause instanceof Error ? cause : undefined);
    this.code = code;
  }

  /** The code, typed: `code` itself is a string on SfError. */
  public get errorCode(): ErrorCode {
    return this.code as ErrorCode;
  }
}

/**
 * Create the coded error `code`, with its message tokens and action tokens substituted (each value bounded, see
 * bounded()). A foreign error that explains it goes in `cause` (never one whose message may hold secret material).
 */
export function jwtError(
  code: ErrorCode,
  tokens: Array<string | number> = [],
  actionTokens: Array<string | number> = [],
  cause?: unknown,
): JwtSetupError {
  return new JwtSetupError(code, messages.createError(code, tokens.map(bounded), actionTokens.map(bounded)), cause);
}

/** The most of one value a message quotes: a 100 kB flag value must not make a 100 kB error (or --json document). */
export const QUOTE_MAX = 200;

/**
 * A value as messages quote it: at most QUOTE_MAX characters, then an ellipsis and the full length; a value with
 * control or format characters (a newline, a bidi override in a name) is shown escaped, as a JSON string, so it
 * cannot break, reorder or hide the text it is in.
 */
export function bounded(value: string | number): string {
  const text = String(value);
  const shown = hasUnsafeCharacters(text) ? escapeUnsafe(text) : text;
  if (shown.length <= QUOTE_MAX) return shown;
  return `${shown.slice(0, QUOTE_MAX)}… ${reasonsFor('quote.cut').getMessage('quote.cut', [String(text.length)])}`;
}

/** An error's first line as messages quote it (bounded): for a foreign error inside a check, a result or a reason. */
export function briefError(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  return bounded(text.split('\n')[0]);
}

/** The actions (fixes) of a code, as an error of that code would carry them; every code has some, a test asserts it. */
export function actionsOf(code: ErrorCode, actionTokens: Array<string | number> = []): string[] {
  return messages.createError(code, [], actionTokens.map(bounded)).actions ?? [];
}

/**
 * A fragment that completes a coded message or a check (why a value is refused, what a connection did), from
 * messages/reasons-<domain>.md (by the key's prefix), so that these words live with the rest of the plugin's text.
 */
export function reason(key: string, tokens: Array<string | number> = []): string {
  return reasonsFor(key).getMessage(key, tokens.map(bounded));
}

export function isJwtSetupError(error: unknown, code?: ErrorCode): error is JwtSetupError {
  return error instanceof JwtSetupError && (code === undefined || error.errorCode === code);
}
