/*
 * A cross-process lock over the sf CLI's state folder, so that concurrent logins in one HOME (20 pipeline jobs on one
 * runner, a matrix of orgs) never read alias.json or config.json while another of them writes it.
 *
 * Why not proper-lockfile (in the tree through @salesforce/core): it judges a lock stale by its age alone, so a
 * killed login makes every later one wait for the staleness period. This lock records its owner's pid and start time
 * (/proc/<pid>/stat) and takes over at once a lock whose owner is gone. A pid alone is not proof: in containers and
 * with a cached ~/.sfdx, a killed owner's pid is often reused by another live process. So a lock whose owner cannot be
 * confirmed (the pid runs with another start time, or the record holds only a pid, as earlier versions wrote, or
 * cannot be read because the owner was killed between creating the folder and writing it) is ownerless, and taken over
 * after the short OWNERLESS_STALE_MS. Where /proc is missing (macOS), a record without a start time is confirmed by
 * its pid alone.
 *
 * mkdir(2) is atomic. A takeover first moves the dead owner's folder aside (rename is atomic too), then checks that
 * what it moved was the dead owner's: if another process took the lock over in between, its folder is put back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Global } from '@salesforce/core';
import { jwtError } from '../errors.js';
import { processAlive, processStartTime } from '../util/process.js';
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

/** Who holds a lock: a pid, and when that process started (absent in records of earlier versions). */
type Owner = { pid: number; startTime?: string; legacy: boolean };

/** The owner file's text for the process `pid`: its pid and, where the system tells, its start time. */
export function lockOwnerRecord(pid: number): string {
  return JSON.stringify({ pid, startTime: processStartTime(pid) });
}

async function readOwner(dir: string): Promise<Owner | undefined> {
  const text = (await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => undefined))?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return { pid: Number(text), legacy: true };
  try {
    const record = JSON.parse(text) as { pid?: unknown; startTime?: unknown };
    if (!Number.isInteger(record.pid) || (record.pid as number) <= 0) return undefined;
    const startTime = typeof record.startTime === 'string' ? record.startTime : undefined;
    return { pid: record.pid as number, startTime, legacy: false };
  } catch {
    return undefined;
  }
}

/** Whether `owner` is certainly a live process: its pid runs, and it is the process that wrote the record. */
function ownerConfirmed(owner: Owner): boolean {
  if (owner.legacy || !processAlive(owner.pid)) return false;
  const running = processStartTime(owner.pid);
  if (owner.startTime !== undefined) return running === owner.startTime;
  // A record without a start time is proof only where the system has none to give (no /proc).
  return running === undefined && processStartTime(process.pid) === undefined;
}

/**
 * Whether the lock at `lock` may be taken over: its recorded owner is gone; or its owner cannot be confirmed and it is
 * a few seconds old; or its owner has not touched it for STALE_MS (a live owner touches it every STALE_MS / 3, so that
 * one hangs).
 */
async function isAbandoned(lock: string): Promise<{ abandoned: boolean; owner?: Owner }> {
  const owner = await readOwner(lock);
  const age = await stat(lock).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
  if (age > STALE_MS) return { abandoned: true, owner };
  if (owner?.pid === process.pid) return { abandoned: false, owner };
  if (owner !== undefined && !processAlive(owner.pid)) return { abandoned: true, owner };
  if (owner !== undefined && ownerConfirmed(owner)) return { abandoned: false, owner };
  return { abandoned: age > OWNERLESS_STALE_MS, owner };
}

const sameOwner = (a: Owner | undefined, b: Owner | undefined): boolean =>
  a?.pid === b?.pid && a?.startTime === b?.startTime && a?.legacy === b?.legacy;

async function takeOver(lock: string, deadOwner: Owner | undefined): Promise<void> {
  const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lock, aside);
  } catch {
    return; // gone already: someone else took it over or released it
  }
  const moved = await readOwner(aside);
  if (!sameOwner(moved, deadOwner) && moved !== undefined && ownerConfirmed(moved)) {
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
        const who = owner !== undefined ? `pid ${owner.pid}` : lock;
        throw jwtError('StoreLocked', [who, Math.round(waitMs / 1000)], [who, lock]);
      }
      // eslint-disable-next-line no-await-in-loop
      await sleep(Math.min(20 * 2 ** Math.min(attempt, 4), 250) * (0.5 + Math.random()));
      continue;
    }
    try {
      // eslint-disable-next-line no-await-in-loop
      await writeFile(join(lock, OWNER_FILE), lockOwnerRecord(process.pid));
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
