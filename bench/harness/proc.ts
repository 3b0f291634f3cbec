/*
 * Child processes for the benchmark: always spawned asynchronously (the emulator runs in this process's event loop,
 * so a synchronous spawn would deadlock it), timed from spawn to exit, optionally with the child's own rusage.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export const PRELOAD = fileURLToPath(new URL('./rusage-preload.cjs', import.meta.url));

/** What a process loaded (BENCH_MODULES=1): module count, source bytes, modules per package folder. */
export type Loaded = { count: number; bytes: number; packages: Record<string, number> };

export type Usage = {
  userMs: number;
  sysMs: number;
  cpuMs: number;
  maxRssKb: number;
  workers: string[];
  modules?: Loaded;
};

export type RunResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** spawn to the child's last write on stdout or stderr (the result printed); wallMs − this is the exit tail */
  lastOutputMs: number;
  stdout: string;
  stderr: string;
  usage?: Usage;
};

export type RunOptions = {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** write the child's rusage here (needs the child to be node started with --require PRELOAD) */
  rusageFile?: string;
  timeoutMs?: number;
};

const live = new Set<import('node:child_process').ChildProcess>();

/** Kills every child still running (used on failure / Ctrl-C). */
export function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export async function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const env = { ...options.env };
  if (options.rusageFile) env.BENCH_RUSAGE_FILE = options.rusageFile;
  const started = performance.now();
  const child = spawn(command, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let lastOutputMs = 0;
  child.stdout.on('data', (d: Buffer) => {
    lastOutputMs = performance.now() - started;
    out.push(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    lastOutputMs = performance.now() - started;
    err.push(d);
  });
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
  const { code, signal, wallMs } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    wallMs: number;
  }>((resolve, reject) => {
    child.once('error', reject);
    // 'exit' (not 'close'): the wall time ends when the process ends, not when its stdio pipes drain
    child.once('exit', (c, s) => resolve({ code: c, signal: s, wallMs: performance.now() - started }));
  });
  if (timer) clearTimeout(timer);
  // let the pipes drain
  if (child.stdout.readable || child.stderr.readable) {
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      setTimeout(resolve, 2000).unref();
    });
  }
  live.delete(child);
  let usage: Usage | undefined;
  if (options.rusageFile) {
    try {
      const raw = JSON.parse(await readFile(options.rusageFile, 'utf8')) as {
        userMs: number;
        sysMs: number;
        maxRssKb: number;
        workers?: string[];
        modules?: Loaded;
      };
      usage = {
        userMs: raw.userMs,
        sysMs: raw.sysMs,
        cpuMs: raw.userMs + raw.sysMs,
        maxRssKb: raw.maxRssKb,
        workers: raw.workers ?? [],
        modules: raw.modules,
      };
    } catch {
      usage = undefined;
    }
    await rm(options.rusageFile, { force: true });
  }
  return {
    code,
    signal,
    wallMs,
    lastOutputMs: Math.min(lastOutputMs || wallMs, wallMs),
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    usage,
  };
}

/** How to start the real sf CLI: node + its bin/run.js, optionally with the rusage preload. */
export type SfRunner = {
  node: string;
  runJs: string;
  env: NodeJS.ProcessEnv;
  home: string;
  scratch: string;
};

let rusageCounter = 0;

export async function sf(
  runner: SfRunner,
  args: string[],
  opts: { measure?: boolean; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  const nodeArgs = ['--no-deprecation'];
  let rusageFile: string | undefined;
  if (opts.measure) {
    nodeArgs.push('--require', PRELOAD);
    rusageCounter += 1;
    rusageFile = join(runner.scratch, `rusage-${process.pid}-${rusageCounter}.json`);
  }
  return run(runner.node, [...nodeArgs, runner.runJs, ...args], {
    env: { ...runner.env, ...opts.env },
    cwd: opts.cwd ?? runner.scratch,
    rusageFile,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

/** First lines of a failed run, for error messages. */
export function describeFailure(r: RunResult): string {
  const text = (r.stdout + '\n' + r.stderr).trim().split('\n').slice(0, 12).join('\n');
  return `exit ${r.code ?? r.signal}: ${text}`;
}

/** A program on the PATH (or in /usr/bin, /usr/local/bin, /bin). */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, cmd);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  for (const candidate of [`/usr/bin/${cmd}`, `/usr/local/bin/${cmd}`, `/bin/${cmd}`])
    if (existsSync(candidate)) return candidate;
  return undefined;
}
