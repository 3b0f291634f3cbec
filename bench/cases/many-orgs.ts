/*
 * 20 orgs: 20 concurrent `sf jwt-setup login` in one HOME (registrations are serialised by a lock) against a shell
 * loop of 20 `sf org login jwt`; also checks that all 20 auth files and aliases were recorded.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { alternate, row } from '../harness/compare.js';
import {
  CONSUMER_KEY,
  MANY,
  OURS_LOGIN,
  ensureOk,
  loginArgs,
  manyUser,
  resetAuth,
  type Case,
  type Context,
} from '../harness/context.js';
import { describeFailure, run, sf, which } from '../harness/proc.js';
import { summarize } from '../harness/stats.js';

const LATENCY_MS = 100;
const alias = (i: number): string => `bench-org${String(i).padStart(2, '0')}`;

async function recordedAliases(home: string): Promise<number> {
  try {
    const raw = JSON.parse(await readFile(join(home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs?: Record<string, string>;
    };
    return Object.keys(raw.orgs ?? {}).filter((a) => a.startsWith('bench-org')).length;
  } catch {
    return 0;
  }
}

function recordedAuthFiles(home: string): number {
  let n = 0;
  for (let i = 1; i <= MANY; i++) if (existsSync(join(home, '.sfdx', `${manyUser(i)}.json`))) n += 1;
  return n;
}

type ManySample = { wallMs: number; cpuMs: number; requests: number; problem?: string };

async function ours(ctx: Context): Promise<ManySample> {
  await resetAuth(ctx.runner.home);
  ctx.emu.clearLog();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: MANY }, (_, k) =>
      sf(ctx.runner, loginArgs(ctx, OURS_LOGIN, manyUser(k + 1), alias(k + 1)), { timeoutMs: 300_000, measure: true }),
    ),
  );
  const wallMs = performance.now() - started;
  const problems: string[] = [];
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0)
    problems.push(`${failed.length}/${MANY} logins failed, e.g. ${describeFailure(failed[0]).slice(0, 300)}`);
  const aliases = await recordedAliases(ctx.runner.home);
  const auths = recordedAuthFiles(ctx.runner.home);
  if (aliases !== MANY || auths !== MANY)
    problems.push(`${auths}/${MANY} auth files and ${aliases}/${MANY} aliases recorded`);
  return {
    wallMs,
    cpuMs: results.reduce((sum, r) => sum + (r.usage?.cpuMs ?? 0), 0),
    requests: ctx.emu.requestLog.length,
    problem: problems.join('; ') || undefined,
  };
}

async function theirs(ctx: Context): Promise<ManySample> {
  await resetAuth(ctx.runner.home);
  ctx.emu.clearLog();
  const ids = Array.from({ length: MANY }, (_, k) => String(k + 1).padStart(2, '0')).join(' ');
  const script =
    `for i in ${ids}; do\n` +
    `  sf org login jwt -o "org$i@bench.example" -f '${ctx.keyFile}' -i '${CONSUMER_KEY}' -r '${ctx.emu.url}' -a "bench-org$i" --json >/dev/null || exit 1\n` +
    'done\n';
  const r = await run(which('bash') ?? which('sh') ?? '/bin/sh', ['-c', script], {
    env: ctx.runner.env,
    cwd: ctx.runner.scratch,
    timeoutMs: 600_000,
  });
  ensureOk(r, 'shell loop of sf org login jwt');
  return { wallMs: r.wallMs, cpuMs: 0, requests: ctx.emu.requestLog.length };
}

export const manyOrgs: Case = {
  section: '7',
  name: 'many orgs',
  goal: 'report',
  async run(ctx) {
    ctx.log(`many orgs: ${MANY} orgs, ${ctx.runs.many} run(s) of each`);
    ctx.emu.setLatency(LATENCY_MS);
    const s = await alternate({ ours: () => ours(ctx), theirs: () => theirs(ctx) }, ctx.runs.many, { warmUp: false });
    const problems = s.ours.map((x) => x.problem).filter((p): p is string => p !== undefined);
    const cpu = summarize(s.ours.map((x) => x.cpuMs)).median;
    return [
      row({
        section: '7',
        metric: `${MANY} orgs: concurrent ours vs sequential theirs`,
        unit: 'ms',
        ours: s.ours.map((x) => x.wallMs),
        theirs: s.theirs.map((x) => x.wallMs),
        oursLabel: `${MANY} concurrent sf jwt-setup login`,
        theirsLabel: `shell loop of ${MANY} sf org login jwt`,
        goal: { goal: 'report', met: problems.length > 0 ? (): boolean => false : undefined },
        note:
          (problems.length > 0
            ? `ours: ${problems.join(' | ')} | `
            : `all ${MANY} orgs and aliases recorded each run; `) +
          `requests ours ${summarize(s.ours.map((x) => x.requests)).median}, theirs ${summarize(s.theirs.map((x) => x.requests)).median}; ` +
          `ours: ${MANY} processes used ${Math.round(cpu)} ms CPU in total (${cpus().length} cores -> CPU floor ${Math.round(cpu / cpus().length)} ms)`,
      }),
    ];
  },
};
