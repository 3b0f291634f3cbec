/*
 * The only module that touches the sf CLI's auth store (~/.sfdx/<username>.json, aliases, target-org config).
 *
 * An auth is registered the way `sf` reads a JWT auth (privateKey path, clientId, loginUrl, no refreshToken), so every
 * `sf` command uses it and refreshes its token from the key by itself. An existing auth for the same username is set
 * aside, not deleted, and put back if anything fails, together with alias.json and the config files that
 * --alias / --set-default write: a failed registration leaves the store byte for byte as it was.
 */
import { readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthInfo, Config, Global, lockInit, Org, OrgConfigProperties, StateAggregator } from '@salesforce/core';
import { jwtError, isJwtSetupError, reason } from '../errors.js';
import type { TokenGrant } from '../exchange/token.js';
import { existingFiles, restoreFiles, snapshotFiles } from '../util/files.js';
import { errnoCode, fsReason } from '../util/fs-errors.js';
import { processAlive } from '../util/process.js';
import { projectRoot } from '../util/project.js';
import type { OrgDetails } from '../org/details.js';
import { shellArg } from '../util/shell.js';
import { authFilePath, ensureStoreDir, storeError } from './paths.js';

export type RegisterInput = {
  username: string;
  grant: TokenGrant;
  loginUrl: string;
  clientId: string;
  privateKeyFile: string;
  details: OrgDetails;
  /** A scratch org: the fields `sf org create scratch` saves, so sf lists and deletes it as one of its hub's. */
  scratch?: ScratchFields;
};

/**
 * What sfdx-core's authorizeScratchOrg (src/org/scratchOrgInfoApi.ts) saves on a scratch auth besides the login:
 * the hub's username (not its alias), the signup's dates and instance, isScratch.
 */
export type ScratchFields = {
  devHubUsername: string;
  expirationDate?: string;
  /** The signup's CreatedDate, epoch milliseconds as a string (sf's form). */
  created?: string;
  createdOrgInstance?: string;
  namespacePrefix?: string;
};

export type AliasAndDefaults = { alias?: string; setDefault?: boolean; setDefaultDevHub?: boolean };

const BACKUP = /^\.sf-jwt-setup-(.+)\.(\d+)\.bak$/;

function backupPath(username: string): string {
  return join(Global.SFDX_DIR, `.sf-jwt-setup-${username}.${process.pid}.bak`);
}

async function readableAuth(file: string): Promise<boolean> {
  try {
    const fields = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof fields === 'object' && fields !== null;
  } catch {
    return false;
  }
}

/**
 * A registration killed half-way leaves the previous auth in .sf-jwt-setup-<username>.<pid>.bak. Under the lock, a
 * backup whose process is gone is put back when the auth file is missing or unreadable, and removed otherwise (the
 * killed run may already have saved a good new auth).
 */
export async function recoverOrphanedBackups(): Promise<void> {
  const names = await readdir(Global.SFDX_DIR).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const match = BACKUP.exec(name);
      if (!match || Number(match[2]) === process.pid || processAlive(Number(match[2]))) return;
      const backup = join(Global.SFDX_DIR, name);
      const authFile = authFilePath(match[1]);
      if (await readableAuth(authFile)) await unlink(backup).catch(() => undefined);
      else await rename(backup, authFile).catch(() => undefined);
    }),
  );
}

/** An auth written by writeAuth, kept restorable until the registration is settled. */
export type WrittenAuth = { username: string; authInfo: AuthInfo; hadAuth: boolean };

/**
 * Write the auth of `input` (call under the store lock). An existing auth for the username is set aside first, and put
 * back when the write fails; a file caught half-written by another sf process is read again.
 */
export async function writeAuth(input: RegisterInput): Promise<WrittenAuth> {
  for (let attempt = 1; ; attempt++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      return await writeAuthOnce(input);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (attempt >= 3 || !(cause instanceof SyntaxError)) throw error;
      // eslint-disable-next-line no-await-in-loop
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

async function writeAuthOnce(input: RegisterInput): Promise<WrittenAuth> {
  const authFile = authFilePath(input.username);
  await ensureStoreDir(Global.SFDX_DIR);
  const hadAuth = (await existingFiles([authFile])).length > 0;
  if (hadAuth) {
    try {
      await rename(authFile, backupPath(input.username));
    } catch (error) {
      throw await storeError(Global.SFDX_DIR, error);
    }
  }
  try {
    StateAggregator.clearInstance();
    return { username: input.username, authInfo: await saveAuth(input), hadAuth };
  } catch (error) {
    await undoAuth({ username: input.username, hadAuth });
    throw saveFailure(error);
  }
}

/** Put back what writeAuth replaced: the previous auth, or no auth at all. */
export async function undoAuth(written: Pick<WrittenAuth, 'username' | 'hadAuth'>): Promise<void> {
  await unlink(authFilePath(written.username)).catch(() => undefined);
  if (written.hadAuth)
    await rename(backupPath(written.username), authFilePath(written.username)).catch(() => undefined);
  StateAggregator.clearInstance();
}

/** The registration is settled: the previous auth's backup goes. */
export async function keepAuth(written: Pick<WrittenAuth, 'username' | 'hadAuth'>): Promise<void> {
  if (written.hadAuth) await unlink(backupPath(written.username)).catch(() => undefined);
}

/**
 * Aliases and defaults for the written auths, after all of them (call under the store lock): alias.json written once
 * for every alias (under core's own lock on it, merged with what it holds now), the config once for --set-default and
 * --set-default-dev-hub, the way the sf CLI writes both. alias.json and the config files are put back byte for byte
 * when any of it fails.
 */
export async function applyAliasesAndDefaults(
  entries: Array<{ written: WrittenAuth; settings: AliasAndDefaults }>,
): Promise<void> {
  const wanted = entries.filter(
    (e) => Boolean(e.settings.alias) || e.settings.setDefault === true || e.settings.setDefaultDevHub === true,
  );
  if (wanted.length === 0) return;
  const sideEffects = await snapshotFiles(sideEffectFiles());
  try {
    const pairs = wanted.flatMap((e) => (e.settings.alias ? [[e.settings.alias, e.written.username] as const] : []));
    const aliases = await saveAliases(pairs);
    // As the sf CLI sets a default: the org's alias when it has one, else its username; the last one asked wins.
    const nameOf = (username: string): string =>
      [...pairs].reverse().find(([, u]) => u === username)?.[0] ??
      [...aliases].find(([, u]) => u === username)?.[0] ??
      username;
    const org = [...wanted].reverse().find((e) => e.settings.setDefault === true);
    const hub = [...wanted].reverse().find((e) => e.settings.setDefaultDevHub === true);
    if (org !== undefined || hub !== undefined) {
      await saveDefaults(org && nameOf(org.written.username), hub && nameOf(hub.written.username));
    }
  } catch (error) {
    await restoreFiles(sideEffects);
    throw saveFailure(error);
  } finally {
    StateAggregator.clearInstance();
  }
}

/** Set every alias of `pairs` in alias.json with one write, in the sf CLI's format; returns every alias it holds. */
async function saveAliases(pairs: ReadonlyArray<readonly [string, string]>): Promise<Map<string, string>> {
  const file = join(Global.SFDX_DIR, 'alias.json');
  const read = async (): Promise<Map<string, string>> => {
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as { orgs?: Record<string, string> };
      return new Map(Object.entries(raw.orgs ?? {}));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return new Map();
      throw error;
    }
  };
  if (pairs.length === 0) return read();
  await ensureStoreDir(Global.SFDX_DIR);
  // core's lock on alias.json, so a concurrent `sf alias set` or `sf org login` neither loses nor overwrites ours
  const lock = await lockInit(file);
  let aliases: Map<string, string>;
  try {
    aliases = await read();
  } catch (error) {
    await lock.unlock();
    throw error;
  }
  for (const [alias, username] of pairs) aliases.set(alias, username);
  await lock.writeAndUnlock(JSON.stringify({ orgs: Object.fromEntries(aliases) }));
  return aliases;
}

/** target-org and target-dev-hub in one write: the project's config inside a project, else the global one. */
async function saveDefaults(targetOrg: string | undefined, targetDevHub: string | undefined): Promise<void> {
  let config: Config;
  try {
    config = await Config.create({ isGlobal: false });
  } catch {
    config = await Config.create({ isGlobal: true });
  }
  if (targetOrg) config.set(OrgConfigProperties.TARGET_ORG, targetOrg);
  if (targetDevHub) config.set(OrgConfigProperties.TARGET_DEV_HUB, targetDevHub);
  await config.write();
}

function saveFailure(error: unknown): Error {
  if (isJwtSetupError(error)) return error;
  // The sf CLI's store errors name files and fields, never token values; jwtError bounds the quote all the same.
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return jwtError('AuthSaveFailed', [what], [], error);
}

/** alias.json, the global config and the project's config: where aliases and --set-default land. */
function sideEffectFiles(): string[] {
  const files = [join(Global.SFDX_DIR, 'alias.json'), join(Global.SF_DIR, 'config.json')];
  const project = projectRoot();
  if (project) files.push(join(project, Global.SF_STATE_FOLDER, 'config.json'));
  return files;
}

async function saveAuth(input: RegisterInput): Promise<AuthInfo> {
  const org = input.details.organization;
  const authInfo = await AuthInfo.create({
    username: input.username,
    accessTokenOptions: {
      accessToken: input.grant.accessToken,
      instanceUrl: input.grant.instanceUrl,
      loginUrl: input.loginUrl,
      username: input.username,
      orgId: input.grant.orgId,
      isDevHub: input.details.isDevHub,
      // Supplying it tells core the Organization was read already: it skips its own query (one more round trip,
      // which would only fail again where ours did).
      namespacePrefix: org?.namespacePrefix ?? null,
    } as never,
  });
  await authInfo.save({
    privateKey: input.privateKeyFile,
    clientId: input.clientId,
    loginUrl: input.loginUrl,
    instanceUrl: input.grant.instanceUrl,
    orgId: input.grant.orgId,
    isDevHub: input.details.isDevHub,
    ...(input.details.apiVersion
      ? { instanceApiVersion: input.details.apiVersion, instanceApiVersionLastRetrieved: new Date().toLocaleString() }
      : {}),
    ...(org
      ? {
          [Org.Fields.NAME]: org.name,
          [Org.Fields.INSTANCE_NAME]: org.instanceName,
          [Org.Fields.NAMESPACE_PREFIX]: org.namespacePrefix ?? null,
          [Org.Fields.IS_SANDBOX]: Boolean(org.isSandbox) && !org.trialExpirationDate,
          [Org.Fields.IS_SCRATCH]: Boolean(org.isSandbox) && Boolean(org.trialExpirationDate),
          [Org.Fields.TRIAL_EXPIRATION_DATE]: org.trialExpirationDate ?? null,
          [Org.Fields.ORG_EDITION]: org.organizationType,
        }
      : {}),
    ...(input.scratch
      ? {
          devHubUsername: input.scratch.devHubUsername,
          isScratch: true,
          isSandbox: false,
          isDevHub: false,
          ...(input.scratch.expirationDate ? { expirationDate: input.scratch.expirationDate } : {}),
          ...(input.scratch.created ? { created: input.scratch.created } : {}),
          ...(input.scratch.createdOrgInstance ? { createdOrgInstance: input.scratch.createdOrgInstance } : {}),
          ...(input.scratch.namespacePrefix ? { namespacePrefix: input.scratch.namespacePrefix } : {}),
        }
      : {}),
  } as never);
  return authInfo;
}

/** The stored auth of a username or alias, decrypted fields excluded: for doctor --target-org. */
export type StoredAuth = {
  username: string;
  loginUrl?: string;
  instanceUrl?: string;
  clientId?: string;
  privateKey?: string;
  orgId?: string;
  isJwt: boolean;
};

/**
 * The stored auth of a username or alias; undefined when none is registered. A file that exists but cannot be read
 * or parsed is AuthFileUnreadable, naming it: "not registered" would send the user looking in the wrong place.
 */
export async function readStoredAuth(usernameOrAlias: string): Promise<StoredAuth | undefined> {
  let username = usernameOrAlias;
  try {
    const state = await StateAggregator.getInstance();
    username = state.aliases.getUsername(usernameOrAlias) ?? usernameOrAlias;
  } catch {
    // An unreadable alias file: read the name as a username.
  }
  const file = authFilePath(username);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw jwtError('AuthFileUnreadable', [username, file, fsReason(error)], [username, usernameOrAlias].map(shellArg));
  }
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(raw) as Record<string, unknown>;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new SyntaxError('not an object');
  } catch {
    throw jwtError(
      'AuthFileUnreadable',
      [username, file, reason('auth.notJson')],
      [username, usernameOrAlias].map(shellArg),
    );
  }
  const s = (k: string): string | undefined => (typeof fields[k] === 'string' ? fields[k] : undefined);
  return {
    username,
    loginUrl: s('loginUrl'),
    instanceUrl: s('instanceUrl'),
    clientId: s('clientId'),
    privateKey: s('privateKey'),
    orgId: s('orgId'),
    isJwt: Boolean(s('privateKey')) && !s('refreshToken'),
  };
}
