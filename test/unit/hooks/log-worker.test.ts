/*
 * src/hooks/log-worker.ts against a real pino transport (pino and thread-stream as @salesforce/core brings them):
 * it finds the worker stream's shared state the way it finds sf's, moves only the sequence counter, and the worker
 * keeps every line in order. How much exit time it saves is measured by the bench (row 3, exit tail), not here.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { keepLogWorkerListening, logWorkerState, nudge, workerStateOf } from '../../../src/hooks/log-worker.js';
import { ROOT, SF_RUN_JS, tempDir } from '../../helpers/index.js';

type PinoStream = NodeJS.WritableStream & { end(): void; once(e: string, f: () => void): void };
type PinoLogger = { info(msg: string): void; warn(msg: string): void };
type Pino = ((options: object, stream?: object) => PinoLogger) & {
  transport(options: object): PinoStream;
  destination(dest: string): object;
};

// pino exactly as the sf CLI of the devDependencies loads it (its @salesforce/core's, with that one's thread-stream):
// when an sf update changes the worker stream's shape, these tests fail, not only the bench's exit-tail row.
const sfCore = createRequire(join(SF_RUN_JS, '..', '..', 'package.json')).resolve('@salesforce/core');
const pino = createRequire(sfCore)('pino') as Pino;

async function workerLogger(file: string): Promise<{ logger: PinoLogger; stream: PinoStream }> {
  const stream = pino.transport({ target: 'pino/file', options: { destination: file } });
  await new Promise<void>((resolve) => stream.once('ready', resolve));
  return { logger: pino({}, stream), stream };
}

/** A CLI root whose @salesforce/core/logger holds `logger` as its root logger, as sf's does. */
async function fakeCli(dir: string, logger: PinoLogger): Promise<string> {
  const core = join(dir, 'cli', 'node_modules', '@salesforce', 'core');
  await mkdir(core, { recursive: true });
  await writeFile(join(dir, 'cli', 'package.json'), '{"name":"cli"}');
  await writeFile(
    join(core, 'package.json'),
    JSON.stringify({ name: '@salesforce/core', exports: { './logger': './logger.cjs' } }),
  );
  await writeFile(
    join(core, 'logger.cjs'),
    'exports.Logger = { rootLogger: { getRawLogger: () => globalThis.logWorkerTestLogger } };\n',
  );
  (globalThis as Record<string, unknown>).logWorkerTestLogger = logger;
  return join(dir, 'cli');
}

/** Runs `work` with SF_DISABLE_LOG_FILE set to `value` (test/setup.ts sets it for this process), then restores it. */
async function withLogFileSetting<T>(value: string | undefined, work: () => Promise<T>): Promise<T> {
  const before = process.env.SF_DISABLE_LOG_FILE;
  if (value === undefined) delete process.env.SF_DISABLE_LOG_FILE;
  else process.env.SF_DISABLE_LOG_FILE = value;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env.SF_DISABLE_LOG_FILE;
    else process.env.SF_DISABLE_LOG_FILE = before;
    delete (globalThis as Record<string, unknown>).logWorkerTestLogger;
  }
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
}

describe('log-worker: keeping sf’s log-file worker listening (src/hooks/log-worker.ts)', function () {
  this.timeout(20_000);

  it('a nudge moves the sequence counter by two, even to even, and leaves the read and write positions alone', () => {
    const state = new Int32Array(new SharedArrayBuffer(4 * 16));
    state[2] = 6;
    state[4] = 120;
    state[8] = 100;
    expect(nudge(state)).to.equal(true);
    expect([state[2], state[4], state[8]]).to.deep.equal([8, 120, 100]);
    // inside a write's update (odd): hands off
    state[2] = 9;
    expect(nudge(state)).to.equal(false);
    expect(state[2]).to.equal(9);
  });

  it('finds the shared state behind a pino logger with a worker transport, and nothing behind other loggers', async () => {
    const dir = await tempDir('log-worker');
    const { logger, stream } = await workerLogger(join(dir, 'a.log'));
    const state = workerStateOf(logger);
    expect(state).to.be.instanceOf(Int32Array);
    expect(state?.buffer).to.be.instanceOf(SharedArrayBuffer);
    // a child logger inherits the stream
    expect(workerStateOf((logger as unknown as { child(b: object): object }).child({ name: 'x' }))).to.equal(state);
    expect(workerStateOf(pino({}, pino.destination(join(dir, 'sync.log'))))).to.equal(undefined);
    expect(workerStateOf({})).to.equal(undefined);
    expect(workerStateOf(undefined)).to.equal(undefined);
    stream.end();
    expect(workerStateOf(logger), 'an ending stream is left alone').to.equal(undefined);
  });

  it('the worker writes every line, in order, while it is nudged, and ends cleanly', async () => {
    const dir = await tempDir('log-worker');
    const file = join(dir, 'b.log');
    const { logger, stream } = await workerLogger(file);
    const state = workerStateOf(logger)!;
    const before = state[2];
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      logger.warn(`line ${i}`);
      expected.push(`line ${i}`);
      for (let k = 0; k < 5; k++) nudge(state);
      // eslint-disable-next-line no-await-in-loop
      if (i % 10 === 0) await sleep(20);
    }
    expect(state[2] - before, 'writes and nudges both move the counter').to.be.greaterThan(200);
    await new Promise<void>((resolve) => {
      stream.once('close', resolve);
      stream.end();
    });
    expect(await lines(file)).to.deep.equal(expected);
  });

  it('finds sf’s logger through the CLI root it is given, and nudges it on a timer until stopped', async () => {
    const dir = await tempDir('log-worker');
    const { logger, stream } = await workerLogger(join(dir, 'c.log'));
    const cli = await fakeCli(dir, logger);
    try {
      await withLogFileSetting(undefined, async () => {
        expect(logWorkerState(cli)).to.equal(workerStateOf(logger));
        expect(logWorkerState(join(dir, 'nowhere')), 'no sf there').to.equal(undefined);
        const state = workerStateOf(logger)!;
        const start = state[2];
        const nudger = keepLogWorkerListening(cli, 10);
        await sleep(120);
        nudger.stop();
        const counted = nudger.nudges();
        expect(counted).to.be.greaterThan(3);
        expect(state[2] - start).to.equal(2 * counted);
        await sleep(40);
        expect(nudger.nudges(), 'stopped').to.equal(counted);
      });
    } finally {
      stream.end();
    }
  });

  it('with SF_DISABLE_LOG_FILE=true (no worker) it does not even start a timer', async () => {
    const dir = await tempDir('log-worker');
    const { logger, stream } = await workerLogger(join(dir, 'd.log'));
    const cli = await fakeCli(dir, logger);
    try {
      await withLogFileSetting('true', async () => {
        const nudger = keepLogWorkerListening(cli, 5);
        await sleep(30);
        nudger.stop();
        expect(nudger.nudges()).to.equal(0);
      });
    } finally {
      stream.end();
    }
  });

  it('finds the worker behind the root logger of the real sf CLI (its @salesforce/core, pino and thread-stream)', async () => {
    const home = await tempDir('log-worker-home');
    const cliRoot = join(SF_RUN_JS, '..', '..');
    const logWorker = pathToFileURL(join(ROOT, 'src', 'hooks', 'log-worker.ts')).href;
    // a child, as sf starts: its logger writes ~/.sf/sf-<date>.log through a worker (this process keeps to memory)
    const script =
      "import { createRequire } from 'node:module';\n" +
      `const { logWorkerState, nudge } = await import(${JSON.stringify(logWorker)});\n` +
      `const { Logger } = createRequire(${JSON.stringify(join(cliRoot, 'package.json'))})('@salesforce/core/logger');\n` +
      `const before = logWorkerState(${JSON.stringify(cliRoot)}) === undefined;\n` +
      'const root = Logger.getRoot();\n' +
      `const state = logWorkerState(${JSON.stringify(cliRoot)});\n` +
      'const seq = state ? state[2] : -1;\n' +
      'const nudged = state ? nudge(state) : false;\n' +
      "root.warn('a line after the nudge');\n" +
      'console.log(JSON.stringify({ before, found: state instanceof Int32Array, moved: state ? state[2] - seq : 0, nudged }));\n';
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.SF_DISABLE_LOG_FILE;
    // from a file, not -e: the logger's worker thread inherits the flags, and --input-type is refused there
    const file = join(home, 'start-logger.mjs');
    await writeFile(file, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).to.equal(0);
    const printed = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    // no root logger yet: nothing; then sf's worker stream, and a nudge moves its counter (the warn's write moves it
    // again, after the value was read)
    expect(printed).to.deep.equal({ before: true, found: true, moved: 2, nudged: true });
    const logs = (await readdir(join(home, '.sf'))).filter((f) => f.endsWith('.log'));
    const text = (await Promise.all(logs.map((f) => readFile(join(home, '.sf', f), 'utf8')))).join('');
    expect(text, 'the line logged after the nudge reached the file').to.include('a line after the nudge');
  });

  it('a CLI root without a worker logger (no sf there, or no root logger yet) gets no nudges', async () => {
    const dir = await tempDir('log-worker');
    // a root logger that keeps to memory, as sf's does in a test or without a log file: no worker behind it
    const cli = await fakeCli(dir, pino({}, pino.destination(join(dir, 'sync.log'))));
    await withLogFileSetting(undefined, async () => {
      for (const root of [join(ROOT, 'no-such-cli'), cli]) {
        const nudger = keepLogWorkerListening(root, 5);
        // eslint-disable-next-line no-await-in-loop
        await sleep(30);
        nudger.stop();
        expect(nudger.nudges(), root).to.equal(0);
      }
    });
  });
});
