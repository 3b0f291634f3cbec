/*
 * A cross-process lock over the sf CLI's state folder, so that concurrent logins in one HOME (20 pipelines jobs on one
 * runner, a matrix of orgs) never read alias.json or config.json while another of them writes it. mkdir(2) is atomic;
 * a lock older than STALE_MS (a killed process) is taken over.
 */
import { mkdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Global } from '@salesforce/core';
import { reason } from '../errors.js';

const STALE_MS = 30_000;
const WAIT_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function withStoreLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(Global.SFDX_DIR, { recursive: true });
  const lock = join(Global.SFDX_DIR, '.sf-jwt-setup.lock');
  const giveUp = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      // eslint-disable-next-line no-await-in-loop
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // eslint-disable-next-line no-await-in-loop
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) {
        // eslint-disable-next-line no-await-in-loop
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > giveUp) throw new Error(reason('lockTimeout'));
      // eslint-disable-next-line no-await-in-loop
      await sleep(Math.min(20 * 2 ** Math.min(attempt, 4), 250) * (0.5 + Math.random()));
    }
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
