/*
 * After a rotation, the sf CLI's stored JWT auths of the rotated org (matched by the auth file's orgId) that used the
 * old key with this consumer key must use the new key, or their next token refresh fails. Logins of other orgs that
 * share the consumer key and key (sandboxes copied from production) are left alone, since their apps still hold the
 * old certificate, and are returned so that the user can rotate those apps too. Auths are matched by the key their
 * `privateKey` file holds (read as the sf CLI reads it, plain PEM), not by path: a copy, a moved file or another name for the same key all match. The new key is
 * registered where it is when the sf CLI reads it as it is, else as a normalised copy (keyFileForRefresh). A key copy
 * this plugin kept for the old key is removed once no auth refers to it any more. Everything under the store lock;
 * the auth files are rewritten together or not at all, each keeping its other fields and its mode.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Global } from '@salesforce/core';
import type { LoadedKey } from '../keys/private-key.js';
import { writeFilesAtomically, type FileToWrite } from '../util/files.js';
import { keyFileForRefresh, keyStoreDir, removeKeyCopyIfUnreferenced } from './key-copy.js';
import { withStoreLock } from './lock.js';

export type RepointInput = {
  clientId: string;
  /**
   * The org whose app was rotated: only its logins are re-pointed (the auth file's orgId). Other orgs' logins of the
   * same consumer key and key (sandboxes copied from production) keep the old key, which their apps still hold, and
   * are returned in `otherOrgs`. Undefined: every org's (no org is known).
   */
  orgId?: string;
  /** The public keys of the old key pair (the old key's, the previous certificate's). */
  oldPublicKeys: KeyObject[];
  newKey: LoadedKey;
};

export type RepointedAuth = { username: string; from: string; to: string };

/** A login of another org that shares the consumer key and the old key, and an admin login the store holds for it. */
export type OtherOrgLogin = { username: string; orgId: string; instanceUrl?: string; keyFile: string; admin?: string };

export type RepointOutcome = { repointed: RepointedAuth[]; removedCopies: string[]; otherOrgs: OtherOrgLogin[] };

type AuthFile = { path: string; username: string; fields: Record<string, unknown>; indent: number; mode: number };

/** The public key of the key file `file` as the sf CLI reads it (UTF-8 PEM), or undefined when it cannot. */
async function sfPublicKey(file: string): Promise<KeyObject | undefined> {
  try {
    return createPublicKey(createPrivateKey(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

async function readAuthFiles(): Promise<AuthFile[]> {
  const names = await readdir(Global.SFDX_DIR).catch(() => [] as string[]);
  const auths = await Promise.all(
    names
      .filter((n) => n.endsWith('.json') && n.includes('@'))
      .map(async (name): Promise<AuthFile | undefined> => {
        const path = join(Global.SFDX_DIR, name);
        try {
          const text = await readFile(path, 'utf8');
          const fields = JSON.parse(text) as Record<string, unknown>;
          if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
          const indent = /^\{\s*\n( +)/.exec(text)?.[1].length ?? 4;
          const mode = (await stat(path)).mode & 0o777;
          return { path, username: name.slice(0, -'.json'.length), fields, indent, mode };
        } catch {
          return undefined; // unreadable auth files are not ours to judge here (doctor reports them)
        }
      }),
  );
  return auths.filter((a): a is AuthFile => a !== undefined);
}

/** The stored JWT auths of `clientId` whose key file holds one of `oldPublicKeys`. */
async function matchingAuths(input: RepointInput, all: AuthFile[]): Promise<AuthFile[]> {
  const candidates = all.filter(
    (a) => a.fields.clientId === input.clientId && typeof a.fields.privateKey === 'string' && !a.fields.refreshToken,
  );
  const matched = await Promise.all(
    candidates.map(async (a) => {
      const publicKey = await sfPublicKey(a.fields.privateKey as string);
      return publicKey && input.oldPublicKeys.some((k) => k.equals(publicKey)) ? a : undefined;
    }),
  );
  return matched.filter((a): a is AuthFile => a !== undefined);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** `auth`, as another org's login to name; with an admin login of that org from the store (not a JWT one), if any. */
function otherOrgLogin(auth: AuthFile, all: AuthFile[]): OtherOrgLogin {
  const orgId = str(auth.fields.orgId) ?? '';
  const admin = all.find((a) => a !== auth && orgId !== '' && a.fields.orgId === orgId && !a.fields.privateKey);
  const instanceUrl = str(auth.fields.instanceUrl);
  return {
    username: auth.username,
    orgId,
    ...(instanceUrl ? { instanceUrl } : {}),
    keyFile: auth.fields.privateKey as string,
    ...(admin ? { admin: admin.username } : {}),
  };
}

export async function repointAuths(input: RepointInput): Promise<RepointOutcome> {
  return repointMany([input]);
}

/**
 * Several re-pointings to one new key under one lock, the auth files rewritten together or not at all: fleet rotate's
 * orgs (each its consumer key and org id). A login is another org's only when no input re-points it.
 */
export async function repointMany(inputs: RepointInput[]): Promise<RepointOutcome> {
  if (inputs.length === 0) return { repointed: [], removedCopies: [], otherOrgs: [] };
  const { newKey } = inputs[0];
  return withStoreLock(async () => {
    const all = await readAuthFiles();
    const selected = new Set<AuthFile>();
    const others = new Set<AuthFile>();
    for (const input of inputs) {
      // eslint-disable-next-line no-await-in-loop
      const matched = await matchingAuths(input, all);
      const thisOrg = (a: AuthFile): boolean => input.orgId === undefined || a.fields.orgId === input.orgId;
      for (const a of matched) (thisOrg(a) ? selected : others).add(a);
    }
    const auths = [...selected];
    const otherOrgs = [...others].filter((a) => !selected.has(a)).map((a) => otherOrgLogin(a, all));
    if (auths.length === 0) return { repointed: [], removedCopies: [], otherOrgs };
    const kept = await keyFileForRefresh(newKey);
    const files: FileToWrite[] = auths.map((a) => ({
      path: a.path,
      data: `${JSON.stringify({ ...a.fields, privateKey: kept.file }, null, a.indent)}\n`,
      mode: a.mode,
    }));
    try {
      await writeFilesAtomically(files, { overwrite: true });
    } catch (error) {
      if (kept.created) await removeKeyCopyIfUnreferenced(kept.file);
      throw error;
    }
    const repointed = auths.map((a) => ({ username: a.username, from: a.fields.privateKey as string, to: kept.file }));
    const copies = [...new Set(repointed.map((r) => resolve(r.from)))].filter(
      (f) => resolve(f, '..') === resolve(keyStoreDir()) && f !== resolve(kept.file),
    );
    const removedCopies: string[] = [];
    for (const copy of copies) {
      // eslint-disable-next-line no-await-in-loop
      if (await removeKeyCopyIfUnreferenced(copy)) removedCopies.push(copy);
    }
    return { repointed, removedCopies, otherOrgs };
  });
}
