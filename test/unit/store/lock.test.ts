/*
 * The store lock records its owner's pid and start time, so a lock left by a killed process whose pid now belongs to
 * another live process (common in containers and cached ~/.sfdx) is recognised (issue 19 #9). A lock whose owner
 * cannot be confirmed (another start time, or a pid-only record as earlier versions wrote) is ownerless: taken over
 * once it is a few seconds old. A confirmed live owner is waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { lockOwnerRecord, lockPath, withStoreLock } from '../../../src/store/lock.js';
import { processStartTime } from '../../../src/util/process.js';
import { expectCoded, isolatedHome, rejection, type Home } from '../../helpers/index.js';

const OWNER = 'owner';

describe('store lock: owners are recognised by pid and start time (issue 19 #9)', function () {
  this.timeout(20_000);
  let home: Home;
  let live: ChildProcess;

  /** A lock folder with `record` as its owner file, last touched `ageMs` ago. */
  async function staleLock(record: string, ageMs: number): Promise<void> {
    await mkdir(lockPath(), { recursive: true });
    await writeFile(join(lockPath(), OWNER), record);
    const then = new Date(Date.now() - ageMs);
    await utimes(lockPath(), then, then);
  }

  before(() => {
    live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  });

  after(() => {
    live.kill();
  });

  beforeEach(async () => {
    home = await isolatedHome();
  });

  afterEach(async () => {
    await home.restore();
  });

  it('records the pid and the start time of the process holding it', async () => {
    const record = await withStoreLock(() => readFile(join(lockPath(), OWNER), 'utf8'));
    const parsed = JSON.parse(record) as { pid: number; startTime?: string };
    expect(parsed.pid).to.equal(process.pid);
    expect(parsed.startTime).to.be.a('string').and.equal(processStartTime(process.pid));
    expect(existsSync(lockPath())).to.equal(false);
  });

  it('a pid-only record (as earlier versions wrote) naming a live process is ownerless: taken over once 5 s old', async () => {
    await staleLock(String(live.pid), 6000);
    const started = Date.now();
    await withStoreLock(() => Promise.resolve(undefined), { waitMs: 2000 });
    expect(Date.now() - started).to.be.lessThan(1500);
  });

  it('a record whose pid now belongs to another process (another start time) is ownerless: taken over once 5 s old', async () => {
    const record = JSON.stringify({ pid: live.pid, startTime: '1' });
    await staleLock(record, 6000);
    const started = Date.now();
    await withStoreLock(() => Promise.resolve(undefined), { waitMs: 2000 });
    expect(Date.now() - started).to.be.lessThan(1500);
  });

  it('an unconfirmed owner is still given the short staleness period: a fresh lock is waited for', async () => {
    await staleLock(String(live.pid), 0);
    expectCoded(await rejection(withStoreLock(() => Promise.resolve(undefined), { waitMs: 500 })), 'StoreLocked');
  });

  it('a confirmed live owner (its pid and start time) is waited for, and named, past the short period', async () => {
    await staleLock(lockOwnerRecord(live.pid!), 6000);
    const error = await rejection(withStoreLock(() => Promise.resolve(undefined), { waitMs: 1000 }));
    expectCoded(error, 'StoreLocked');
    expect(error.message).to.include(`pid ${live.pid}`);
  });
});
