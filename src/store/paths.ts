/*
 * The sf CLI's state folders as this plugin uses them, and the one way their file-system failures become errors:
 * StoreNotWritable, naming the folder and what is wrong with it, never a bare errno with a stack.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Global } from '@salesforce/core';
import { jwtError, type JwtSetupError } from '../errors.js';
import { folderReason } from '../util/fs-errors.js';

/** ~/.sfdx/<username>.json: the sf CLI's authorization file of a username. */
export function authFilePath(username: string): string {
  return join(Global.SFDX_DIR, `${username}.json`);
}

/** The coded error for a failure to write in the state folder `dir`. */
export async function storeError(dir: string, error: unknown): Promise<JwtSetupError> {
  return jwtError('StoreNotWritable', [dir, await folderReason(dir, error)], [dir]);
}

/** Create `dir` (and parents) if missing and check that this user may write it; StoreNotWritable otherwise. */
export async function ensureStoreDir(dir: string, mode?: number): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, ...(mode !== undefined ? { mode } : {}) });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw await storeError(dir, error);
  }
}
