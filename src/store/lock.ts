/*
 * A cross-process lock over the sf CLI's state folder, so that concurrent logins in one HOME (20 pipeline jobs on one
 * runner, a matrix of orgs) never read alias.json or config.json while another of them writes it.
 *
 * Why not proper-lockfile (in the tree through @salesforce/core): it judges a lock stale by its age alone, so a
 * killed login makes every later one wait for the staleness period. This lock records its owner's pid and takes over
 * at once a lock whose owner is gone; the age rule stays as the fallback for a lock without a readable owner (its
 * owner was killed between creating the folder and writing the pid).
 *
 * mkdir(2) is atomic. A takeover first moves the dead owner's folder aside (rename is atomic too), then checks that
 * what it moved was the dead owner's: if another process took the lock over in between, its folder is put back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Global } from '@salesforce/core';
import { jwtError } from '../errors.js';
import { processAlive } from '../util/process.js';
import { ensureStoreDir, storeError } from './paths.js';

const STALE_MS = 30_000;
const OWNERLESS_STALE_MS = 5000;
const WAIT_MS = 60_000;
const OWNER_FILE = 'owner';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function lockPath(): string {
  return join(Global.SFDX_DIR, '.sf-jwt-setup.lock');
}

export type LockOptions = { waitMs?: number };

async function readOwner(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether the lock at `lock` may be taken over: its owner is gone; or it has no owner and is a few seconds old; or its
 * owner has not touched it for STALE_MS (a live owner touches it every STALE_MS / 3, so that one hangs).
 */
async function isAbandoned(lock: string): Promise<{ abandoned: boolean; owner?: number }> {
  const owner = await readOwner(lock);
  const age = await stat(lock).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
  if (age > STALE_MS) return { abandoned: true, owner };
  if (owner !== undefined) return { abandoned: owner !== process.pid && !processAlive(owner), owner };
  return { abandoned: age > OWNERLESS_STALE_MS, owner };
}

async function takeOver(lock: string, deadOwner: number | undefined): Promise<void> {
  const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lock, aside);
  } catch {
    return; // gone already: someone else took it over or released it
  }
  const moved = await readOwner(aside);
  if (moved !== deadOwner && moved !== undefined && processAlive(moved)) {
    // A live process took the lock over between our check and our move: give it back.
    await rename(aside, lock).catch(() => undefined);
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

export async function withStoreLock<T>(fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await ensureStoreDir(Global.SFDX_DIR);
  const lock = lockPath();
  const waitMs = options.waitMs ?? WAIT_MS;
  const giveUp = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      await mkdir(lock);
    } catch (error) {
      // eslint-disable-next-line no-await-in-loop
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw await storeError(Global.SFDX_DIR, error);
      // eslint-disable-next-line no-await-in-loop
      const { abandoned, owner } = await isAbandoned(lock);
      if (abandoned) {
        // eslint-disable-next-line no-await-in-loop
        await takeOver(lock, owner);
        continue;
      }
      if (Date.now() > giveUp) {
        const who = owner !== undefined ? `pid ${owner}` : lock;
        throw jwtError('StoreLocked', [who, Math.round(waitMs / 1000)], [who, lock]);
      }
      // eslint-disable-next-line no-await-in-loop
      await sleep(Math.min(20 * 2 ** Math.min(attempt, 4), 250) * (0.5 + Math.random()));
      continue;
    }
    try {
      // eslint-disable-next-line no-await-in-loop
      await writeFile(join(lock, OWNER_FILE), String(process.pid));
    } catch (error) {
      // eslint-disable-next-line no-await-in-loop
      await rm(lock, { recursive: true, force: true }).catch(() => undefined);
      // eslint-disable-next-line no-await-in-loop
      throw await storeError(Global.SFDX_DIR, error);
    }
    break;
  }
  const keepAlive = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => undefined), STALE_MS / 3);
  keepAlive.unref();
  try {
    return await fn();
  } finally {
    clearInterval(keepAlive);
    await rm(lock, { recursive: true, force: true });
  }
}
