/*
 * `sf jwt-setup app` without the command: check every input, read the certificate, and work out the files and their
 * contents (planApp: writes nothing); then write them all or none (writeAppFiles).
 */
import { execFileSync } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { jwtError } from '../errors.js';
import { loadCertificate, type CertificateInfo } from '../keys/certificate.js';
import { ensureWritableDir, existingFiles, writeFilesAtomically } from '../util/files.js';
import { connectedAppFiles } from './connected-app.js';
import { externalClientAppFiles } from './external-client-app.js';
import {
  DEFAULT_API_VERSION,
  DEFAULT_SCOPES,
  generateConsumerKey,
  labelFromName,
  parseApiVersion,
  parseScopes,
  validateAppName,
  validateConsumerKey,
  validateEmail,
  validatePermissionSetName,
  validateProfileName,
  type AppKind,
} from './names.js';
import { permissionSetFile, permissionSetPath } from './permission-set.js';
import type { AppSpec, MetadataFile } from './types.js';

export const DEFAULT_OUTPUT_DIR = join('force-app', 'main', 'default');
export const DEFAULT_CERTIFICATE_FILE = 'server.crt';
/** Required by both app types even though the JWT bearer flow never redirects; the sf CLI's own web-login callback. */
export const DEFAULT_CALLBACK_URL = 'http://localhost:1717/OauthRedirect';
const FILE_MODE = 0o644;

export type AppOptions = {
  kind?: AppKind;
  name: string;
  certificateFile?: string;
  /** The certificate itself, when it is not (yet) in certificateFile: keygen --app plans before it writes. */
  certificate?: CertificateInfo;
  consumerKey?: string;
  /** name of the permission set to create, or of an existing one to reference */
  permissionSet?: string;
  /** reference --permission-set, never write it (it exists in the org, or elsewhere in the project) */
  existingPermissionSet?: boolean;
  profiles?: string[];
  scopes?: string | string[];
  /** Default: the git user's email, $EMAIL, else a placeholder (with a warning). */
  contactEmail?: string;
  apiVersion?: string;
  outputDir?: string;
  force?: boolean;
  description?: string;
};

export type PlannedFile = MetadataFile & { path: string };

export type AppPlan = {
  spec: AppSpec;
  outputDir: string;
  files: PlannedFile[];
  consumerKeyGenerated: boolean;
  /** how the permission set is used: written here, referenced (exists already), or none (profiles only) */
  permissionSetMode: 'created' | 'referenced' | 'none';
  certificateFile: string;
  certificateFingerprintSha256: string;
  certificateNotAfter: string;
  /** files that exist and will be replaced (only with force) */
  replaces: string[];
  warnings: AppWarning[];
};

export type AppWarning =
  | { code: 'certificateExpired' | 'certificateExpiresSoon'; date: string }
  | { code: 'certificateNotRsa'; keyType: string }
  | { code: 'noApiScope' }
  | { code: 'placeholderContactEmail'; email: string };

/** The app's contact when none is given or known: visibly not a real address (RFC 2606), for the admin to replace. */
export const PLACEHOLDER_CONTACT_EMAIL = 'replace-me@example.invalid';

/** The contact email the user is most likely to want: $EMAIL, or the git user's. */
export function defaultContactEmail(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.EMAIL ?? env.GIT_AUTHOR_EMAIL ?? env.GIT_COMMITTER_EMAIL;
  if (fromEnv && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(fromEnv)) return fromEnv;
  try {
    const email = execFileSync('git', ['config', '--get', 'user.email'], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? email : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The default permission set name for an app: <Name>_Users (at most 46 characters, a valid API name). */
export function defaultPermissionSetName(appName: string): string {
  return `${appName}_Users`;
}

/**
 * Validate everything and compute the files. Throws a coded error on the first bad input; writes nothing.
 * Order: flags (pure checks) first, then the certificate, then the file system.
 */
export async function planApp(options: AppOptions): Promise<AppPlan> {
  const kind = options.kind ?? 'external';
  const name = validateAppName(options.name);
  const api = parseApiVersion(options.apiVersion ?? DEFAULT_API_VERSION, kind);
  const scopes = parseScopes(options.scopes ?? DEFAULT_SCOPES);
  const givenEmail = options.contactEmail ?? defaultContactEmail();
  const contactEmail = validateEmail(givenEmail ?? PLACEHOLDER_CONTACT_EMAIL);
  const consumerKeyGenerated = options.consumerKey === undefined;
  const consumerKey = consumerKeyGenerated ? generateConsumerKey() : validateConsumerKey(options.consumerKey as string);
  const profiles = [...new Set((options.profiles ?? []).map(validateProfileName))];
  if (options.existingPermissionSet && options.permissionSet === undefined) {
    throw jwtError('PermissionSetNameRequired');
  }
  // With only --profile, the profiles admit users instead of a permission set; otherwise a permission set does.
  const permissionSet =
    options.permissionSet !== undefined
      ? validatePermissionSetName(options.permissionSet)
      : profiles.length > 0
        ? undefined
        : defaultPermissionSetName(name);

  const certificateFile = resolve(options.certificateFile ?? DEFAULT_CERTIFICATE_FILE);
  const certificate = options.certificate ?? (await loadCertificate(certificateFile, { select: 'only' }));

  const outputDir = resolve(options.outputDir ?? DEFAULT_OUTPUT_DIR);
  let permissionSetMode: AppPlan['permissionSetMode'] = 'none';
  if (permissionSet !== undefined) {
    const local = join(outputDir, ...permissionSetPath(permissionSet).split('/'));
    permissionSetMode = options.existingPermissionSet === true || (await exists(local)) ? 'referenced' : 'created';
  }

  const label = labelFromName(name);
  const spec: AppSpec = {
    kind,
    name,
    label,
    description:
      options.description ?? `Logins by the OAuth 2.0 JWT bearer flow for ${label} (CI/CD). Made by sf jwt-setup app.`,
    contactEmail,
    consumerKey,
    certificatePem: certificate.pem,
    scopes: scopes.tokens,
    metadataScopes: scopes.metadataNames,
    permissionSet,
    profiles,
    apiVersion: api.text,
    apiMajor: api.major,
    callbackUrl: DEFAULT_CALLBACK_URL,
  };

  const metadata = kind === 'external' ? externalClientAppFiles(spec) : connectedAppFiles(spec);
  if (permissionSetMode === 'created') metadata.push(permissionSetFile(permissionSet as string, label, api.major));
  const files = metadata.map((f) => ({ ...f, path: join(outputDir, ...f.relativePath.split('/')) }));

  const present = await existingFiles(files.map((f) => f.path));
  if (present.length > 0 && !options.force) throw jwtError('FilesExist', [present.join(', ')]);

  const warnings: AppWarning[] = [];
  const now = Date.now();
  const notAfter = certificate.notAfter.toISOString();
  if (certificate.notAfter.getTime() < now) warnings.push({ code: 'certificateExpired', date: notAfter });
  else if (certificate.notAfter.getTime() - now < 30 * 24 * 3600 * 1000)
    warnings.push({ code: 'certificateExpiresSoon', date: notAfter });
  if (certificate.keyType !== 'rsa') warnings.push({ code: 'certificateNotRsa', keyType: certificate.keyType });
  if (!scopes.tokens.includes('api') && !scopes.tokens.includes('full')) warnings.push({ code: 'noApiScope' });
  if (givenEmail === undefined) warnings.push({ code: 'placeholderContactEmail', email: contactEmail });

  return {
    spec,
    outputDir,
    files,
    consumerKeyGenerated,
    permissionSetMode,
    certificateFile,
    certificateFingerprintSha256: certificate.fingerprintSha256,
    certificateNotAfter: certificate.notAfter.toISOString(),
    replaces: present,
    warnings,
  };
}

/** Write the planned files, all or none (creating their folders first). */
export async function writeAppFiles(plan: AppPlan, options: { force: boolean }): Promise<void> {
  for (const dir of new Set(plan.files.map((f) => dirname(f.path)))) {
    // eslint-disable-next-line no-await-in-loop
    await ensureWritableDir(dir);
  }
  await writeFilesAtomically(
    plan.files.map((f) => ({ path: f.path, data: f.content, mode: FILE_MODE })),
    { overwrite: options.force },
  );
}
