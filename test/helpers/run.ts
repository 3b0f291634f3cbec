/*
 * Running things: a child process (bin/run.js, the real sf, any tool) with its output collected; a command in this
 * process with its output captured; and SfSandbox, the real sf with this plugin linked in a temporary HOME.
 * Always asynchronous: the emulator runs in the test process, so a synchronous child would deadlock it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { childEnv, ROOT, SF_BIN } from './env.js';
import { tempDir } from './temp.js';

export type RunResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
};

/** Spawn asynchronously (the emulator lives in this process) and collect the output. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    options.onSpawn?.(child);
  });
}

export function sf(
  home: string,
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
  timeoutMs = 90_000,
): Promise<RunResult> {
  return run(SF_BIN, args, { env: childEnv(home, extraEnv), cwd: home, timeoutMs });
}

/** `sf plugins link <project root> --no-install` in this HOME. */
export async function linkPlugin(home: string): Promise<void> {
  const result = await sf(home, ['plugins', 'link', ROOT, '--no-install']);
  expect(result.code, `sf plugins link failed: ${result.stderr}`).to.equal(0);
}

/** The JSON printed by `--json` (the last top-level object on stdout). */
export function parseJsonOutput(stdout: string): Record<string, unknown> {
  const start = stdout.indexOf('{');
  expect(start, `no JSON in output: ${stdout.slice(0, 500)}`).to.be.greaterThan(-1);
  return JSON.parse(stdout.slice(start)) as Record<string, unknown>;
}

type Runnable = { run(argv: string[]): Promise<unknown> };

export type Ran<R> = {
  result?: R;
  error?: Error & { code?: string; actions?: string[] };
  stdout: string;
  stderr: string;
  exitCode: number | string | undefined;
};

/** Run a command in-process with stdout/stderr captured; process.exitCode is put back afterwards (and reported). */
export async function runCommand<R>(command: Runnable, args: string[]): Promise<Ran<R>> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  let exitCode: number | string | undefined;
  try {
    const result = (await command.run(args)) as R;
    exitCode = process.exitCode;
    return { result, stdout, stderr, exitCode };
  } catch (error) {
    exitCode = process.exitCode;
    return { error: error as Error & { code?: string }, stdout, stderr, exitCode };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = before;
  }
}

export type SfRun = {
  code: number;
  stdout: string;
  stderr: string;
  json?: { status: number; result?: Record<string, unknown>; name?: string; message?: string };
};

export class SfSandbox {
  private constructor(public readonly home: string) {}

  public static async create(): Promise<SfSandbox> {
    const home = await tempDir('sf-jwt-setup-it-');
    const sandbox = new SfSandbox(home);
    const linked = await sandbox.run(['plugins', 'link', ROOT, '--no-install']);
    if (linked.code !== 0) throw new Error(`sf plugins link failed: ${linked.stderr}`);
    return sandbox;
  }

  public env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return childEnv(this.home, { SF_JSON_TO_STDOUT: 'true', ...extra });
  }

  public run(
    args: string[],
    options: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {},
  ): Promise<SfRun> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(SF_BIN, args, { cwd: options.cwd ?? this.home, env: this.env(options.env) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        let json: SfRun['json'];
        if (args.includes('--json')) {
          try {
            json = JSON.parse(stdout) as SfRun['json'];
          } catch {
            json = undefined;
          }
        }
        resolvePromise({ code: code ?? -1, stdout, stderr, json });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  public async dispose(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }
}

/**
 * Runs `body` (ES module text) in a child node with tsx, after a load hook that records every module the child
 * loads (import and require alike, as bench/harness/rusage-preload.cjs counts them) in the array `loaded`; returns
 * the JSON the body printed last. For tests of what a module does not load.
 */
export function runRecordingLoads(body: string): unknown {
  const script =
    "import { registerHooks } from 'node:module';\n" +
    'const loaded = [];\n' +
    'registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });\n' +
    body;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(child.status, child.stderr).to.equal(0);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as unknown;
}
