/*
 * What every benchmark case shares: the sf runner (temp HOME with the packed plugin installed), the emulator, the
 * key, how many runs, and the login measurement that several cases build on.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SalesforceEmulator } from '../../test/emulator/index.js';
import { describeFailure, sf, type RunResult, type SfRunner } from './proc.js';
import type { Row } from './table.js';

export const CONSUMER_KEY = '3MVG9BENCHMARKCONSUMERKEY';
export const BENCH_USER = 'ci@bench.example';
export const MANY = 20;
export const manyUser = (i: number): string => `org${String(i).padStart(2, '0')}@bench.example`;

export const OURS_LOGIN = ['jwt-setup', 'login'];
export const THEIRS_LOGIN = ['org', 'login', 'jwt'];

export type Runs = {
  login: number;
  loginSlow: number;
  noLogFile: number;
  help: number;
  rsa2048: number;
  rsa4096: number;
  doctor: number;
  many: number;
  startup: number;
  /** rounds of each command that talks to no org against the floor */
  offline: number;
  bootstrap: number;
};

export const RUNS_FULL: Runs = {
  login: 15,
  loginSlow: 15,
  noLogFile: 5,
  help: 7,
  rsa2048: 7,
  rsa4096: 5,
  doctor: 5,
  many: 1,
  startup: 5,
  offline: 5,
  bootstrap: 3,
};
export const RUNS_QUICK: Runs = {
  login: 3,
  loginSlow: 3,
  noLogFile: 3,
  help: 3,
  rsa2048: 3,
  rsa4096: 2,
  doctor: 2,
  many: 1,
  startup: 3,
  offline: 2,
  bootstrap: 1,
};

export type Context = {
  runner: SfRunner;
  emu: SalesforceEmulator;
  keyFile: string;
  work: string;
  openssl?: string;
  runs: Runs;
  /** per-case details for the JSON */
  details: Record<string, unknown>;
  log: (message: string) => void;
};

/** A benchmark case: its section number, a name, the goal shown if it fails, and what it measures. */
export type Case = { section: string; name: string; goal: string; run: (ctx: Context) => Promise<Row[]> };

export function ensureOk(r: RunResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} failed: ${describeFailure(r)}`);
}

/** Every login (and every floor run) starts from a HOME without orgs, config or log files: a first login. */
export async function resetAuth(home: string): Promise<void> {
  await rm(join(home, '.sfdx'), { recursive: true, force: true });
  await rm(join(home, '.sf'), { recursive: true, force: true });
}

export function loginArgs(ctx: Context, command: string[], username: string, alias: string): string[] {
  return [...command, '-o', username, '-f', ctx.keyFile, '-i', CONSUMER_KEY, '-r', ctx.emu.url, '-a', alias, '--json'];
}

/**
 * Sequential round trips: requests grouped into waves, a new wave starting when a request arrives after the
 * previous wave's first one could have been answered (0.9 × the added latency). Parallel requests share a wave.
 */
export function sequentialWaves(arrivals: number[], latencyMs: number): number {
  let waves = 0;
  let waveStart = Number.NEGATIVE_INFINITY;
  for (const at of [...arrivals].sort((a, b) => a - b)) {
    if (at >= waveStart + latencyMs * 0.9) {
      waves += 1;
      waveStart = at;
    }
  }
  return waves;
}

export type Sample = {
  wallMs: number;
  /** from the last line the process printed (its result) to its exit: where exit stalls show */
  tailMs: number;
  cpuMs: number;
  rssMb: number;
  requests: number;
  waves: number;
  /** worker threads started (log-file workers: one per @salesforce/core copy that logs) */
  workers: number;
  paths: string[];
};

/** One measured sf run from an empty HOME: wall, exit tail, CPU, memory, and the requests the emulator saw. */
export async function measure(
  ctx: Context,
  args: string[],
  latencyMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<Sample> {
  await resetAuth(ctx.runner.home);
  ctx.emu.clearLog();
  const r = await sf(ctx.runner, args, { measure: true, env });
  ensureOk(r, `sf ${args.slice(0, 3).join(' ')}`);
  const t0 = ctx.emu.requestLog[0]?.at ?? 0;
  const paths = ctx.emu.requestLog.map((e) => `+${e.at - t0}ms ${e.method} ${e.path} ${e.status}`);
  if (!r.usage) throw new Error(`no rusage from sf ${args.join(' ')}`);
  return {
    wallMs: r.wallMs,
    tailMs: r.wallMs - r.lastOutputMs,
    cpuMs: r.usage.cpuMs,
    rssMb: r.usage.maxRssKb / 1024,
    requests: paths.length,
    workers: r.usage.workers.length,
    waves: sequentialWaves(
      ctx.emu.requestLog.map((e) => e.at),
      latencyMs,
    ),
    paths,
  };
}

export const oneLogin = (
  ctx: Context,
  command: string[],
  latencyMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<Sample> => measure(ctx, loginArgs(ctx, command, BENCH_USER, 'bench'), latencyMs, env);
