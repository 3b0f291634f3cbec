/*
 * 20 orgs: 20 concurrent `sf jwt-setup login` in one HOME (registrations are serialised by a lock) against a shell
 * loop of 20 `sf org login jwt`; also checks that all 20 auth files and aliases were recorded.
 */
import { cpus } from 'node:os';
import { alternate, row } from '../harness/compare.js';
import { MANY, type Case, type Context } from '../harness/context.js';
import { batchFailure, concurrentPluginLogins, incumbentLoop, missingLogins } from '../harness/many.js';
import { summarize } from '../harness/stats.js';

const LATENCY_MS = 100;
type ManySample = { wallMs: number; cpuMs: number; requests: number; problem?: string };

async function ours(ctx: Context): Promise<ManySample> {
  const { wallMs, results } = await concurrentPluginLogins(ctx);
  const problems = [batchFailure(results), await missingLogins(ctx.runner.home)].filter(Boolean);
  return {
    wallMs,
    cpuMs: results.reduce((sum, r) => sum + (r.usage?.cpuMs ?? 0), 0),
    requests: ctx.emu.requestLog.length,
    problem: problems.join('; ') || undefined,
  };
}

async function theirs(ctx: Context): Promise<ManySample> {
  const r = await incumbentLoop(ctx, 600_000);
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
