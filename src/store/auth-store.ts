/*
 * The only module that touches the sf CLI's auth store (~/.sfdx/<username>.json, aliases, target-org config).
 *
 * An auth is registered the way `sf` reads a JWT auth (privateKey path, clientId, loginUrl, no refreshToken), so every
 * `sf` command uses it and refreshes its token from the key by itself. An existing auth for the same username is set
 * aside, not deleted, and put back if anything fails: its aliases and the defaults that name it are never touched.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, unlink, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthInfo, Global, Org, StateAggregator } from '@salesforce/core';
import { jwtError, isJwtSetupError } from '../errors.js';
import type { TokenGrant } from '../exchange/token.js';
import { privateKeyPem, type LoadedKey } from '../keys/private-key.js';
import { existingFiles, writeFilesAtomically } from '../util/files.js';
import { withStoreLock } from './lock.js';
import type { OrgDetails } from './org-details.js';

export type RegisterInput = {
  username: string;
  grant: TokenGrant;
  loginUrl: string;
  clientId: string;
  privateKeyFile: string;
  details: OrgDetails;
  alias?: string;
  setDefault?: boolean;
  setDefaultDevHub?: boolean;
};

/** Where keys that came from the environment (or encrypted) are kept for the sf CLI's token refresh. */
export function keyStoreDir(): string {
  return join(Global.SFDX_DIR, 'sf-jwt-setup', 'keys');
}

/**
 * A key file the sf CLI can read at refresh time. A plain key file is used where it is. A key from the environment,
 * or an encrypted one (sf cannot decrypt it), is written once, unencrypted PKCS#8, mode 0600, to
 * ~/.sfdx/sf-jwt-setup/keys/<fingerprint>.key: the pipeline's temporary files may be gone by then.
 */
export async function persistableKeyFile(key: LoadedKey): Promise<string> {
  if (key.file && !key.encrypted) return key.file;
  const pem = privateKeyPem(key.privateKey);
  const name = createHash('sha256')
    .update(key.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 32);
  const dir = keyStoreDir();
  const file = join(dir, `${name}.key`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if ((await existingFiles([file])).length === 0) {
    try {
      await writeFilesAtomically([{ path: file, data: pem, mode: 0o600 }], { overwrite: false });
    } catch (error) {
      // Another login wrote the same key at the same moment: the same content, so keep it.
      if (!isJwtSetupError(error, 'FilesExist')) throw error;
    }
  }
  return file;
}

export async function registerAuth(input: RegisterInput): Promise<void> {
  // Serialised with other sf-jwt-setup processes; a file caught half-written by another sf process is read again.
  await withStoreLock(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        // eslint-disable-next-line no-await-in-loop
        return await registerAuthUnlocked(input);
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        if (attempt >= 3 || !(cause instanceof SyntaxError)) throw error;
        // eslint-disable-next-line no-await-in-loop
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  });
}

async function registerAuthUnlocked(input: RegisterInput): Promise<void> {
  const authFile = join(Global.SFDX_DIR, `${input.username}.json`);
  const backup = join(Global.SFDX_DIR, `.sf-jwt-setup-${input.username}.${process.pid}.bak`);
  const hadAuth = (await existingFiles([authFile])).length > 0;
  await mkdir(Global.SFDX_DIR, { recursive: true });
  if (hadAuth) await rename(authFile, backup);
  try {
    StateAggregator.clearInstance();
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
    } as never);
    await authInfo.handleAliasAndDefaultSettings({
      alias: input.alias,
      setDefault: input.setDefault ?? false,
      setDefaultDevHub: input.setDefaultDevHub ?? false,
    });
  } catch (error) {
    await unlink(authFile).catch(() => undefined);
    if (hadAuth) await rename(backup, authFile).catch(() => undefined);
    // The sf CLI's store errors name files and fields, never token values; keep the message short all the same.
    const what = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
    throw jwtError('AuthSaveFailed', [what], [], error);
  }
  if (hadAuth) await unlink(backup).catch(() => undefined);
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

export async function readStoredAuth(usernameOrAlias: string): Promise<StoredAuth | undefined> {
  const state = await StateAggregator.getInstance();
  const username = state.aliases.getUsername(usernameOrAlias) ?? usernameOrAlias;
  const file = join(Global.SFDX_DIR, `${username}.json`);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
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
