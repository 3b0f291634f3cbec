/*
 * After a rotation, the sf CLI's stored JWT auths that used the old key with this consumer key must use the new key,
 * or their next token refresh fails. Auths are matched by the key their `privateKey` file holds (read as the sf CLI
 * reads it, plain PEM), not by path: a copy, a moved file or another name for the same key all match. The new key is
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
  /** The public keys of the old key pair (the old key's, the previous certificate's). */
  oldPublicKeys: KeyObject[];
  newKey: LoadedKey;
  /** Only the auths of these orgs (their 18-character ids, as the auth files hold them); every org when absent. */
  orgIds?: string[];
};

export type RepointedAuth = { username: string; from: string; to: string };

export type RepointOutcome = { repointed: RepointedAuth[]; removedCopies: string[] };

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

const sameOrg = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

/** The stored JWT auths of `clientId` (and of `orgIds`, when given) whose key file holds one of `oldPublicKeys`. */
async function matchingAuths(input: RepointInput, files: AuthFile[]): Promise<AuthFile[]> {
  const candidates = files.filter(
    (a) =>
      a.fields.clientId === input.clientId &&
      typeof a.fields.privateKey === 'string' &&
      !a.fields.refreshToken &&
      (input.orgIds === undefined ||
        (typeof a.fields.orgId === 'string' && input.orgIds.some((id) => sameOrg(id, a.fields.orgId as string)))),
  );
  const matched = await Promise.all(
    candidates.map(async (a) => {
      const publicKey = await sfPublicKey(a.fields.privateKey as string);
      return publicKey && input.oldPublicKeys.some((k) => k.equals(publicKey)) ? a : undefined;
    }),
  );
  return matched.filter((a): a is AuthFile => a !== undefined);
}

export async function repointAuths(input: RepointInput): Promise<RepointOutcome> {
  return repointMany([input]);
}

/**
 * Several re-pointings to one new key (fleet rotate: the orgs of one or more consumer keys), under one lock, the
 * auth files rewritten together or not at all.
 */
export async function repointMany(inputs: RepointInput[]): Promise<RepointOutcome> {
  if (inputs.length === 0) return { repointed: [], removedCopies: [] };
  const newKey = inputs[0].newKey;
  if (inputs.some((i) => i.newKey !== newKey)) throw new Error('repointMany: one new key for every input');
  return withStoreLock(async () => {
    const stored = await readAuthFiles();
    const found = await Promise.all(inputs.map((input) => matchingAuths(input, stored)));
    const auths = [...new Set(found.flat())];
    if (auths.length === 0) return { repointed: [], removedCopies: [] };
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
    return { repointed, removedCopies };
  });
}
