/*
 * A fleet of 20 orgs: one `sf jwt-setup fleet login` process against a shell loop of 20 `sf org login jwt` and
 * against 20 concurrent `sf jwt-setup login` processes (same HOME, one user and alias each), at 100 ms and 400 ms per
 * request; and the peak memory of `fleet login` for 20 orgs against one `login`. Every run starts from an empty store
 * and is checked: all 20 auth files and aliases recorded.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alternate, atMost, pick, report, row } from '../harness/compare.js';
import {
  CONSUMER_KEY,
  MANY,
  OURS_LOGIN,
  ensureOk,
  manyUser,
  oneLogin,
  resetAuth,
  type Case,
  type Context,
} from '../harness/context.js';
import { sf } from '../harness/proc.js';
import { batchFailure, concurrentPluginLogins, incumbentLoop, manyAlias, missingLogins } from '../harness/many.js';
import { summarize } from '../harness/stats.js';
import type { Row } from '../harness/table.js';

type FleetSample = { wallMs: number; rssMb: number; cpuMs: number; requests: number; problem?: string };

async function writeManifest(ctx: Context): Promise<string> {
  const file = join(ctx.work, 'fleet.yaml');
  const orgs = Array.from(
    { length: MANY },
    (_, k) => `  - alias: ${manyAlias(k + 1)}\n    username: ${manyUser(k + 1)}`,
  );
  await writeFile(
    file,
    [
      'defaults:',
      `  clientId: ${CONSUMER_KEY}`,
      `  jwtKeyFile: ${ctx.keyFile}`,
      `  instanceUrl: ${ctx.emu.url}`,
      'orgs:',
      ...orgs,
      '',
    ].join('\n'),
  );
  return file;
}

async function fleetLogin(ctx: Context, manifest: string): Promise<FleetSample> {
  await resetAuth(ctx.runner.home);
  ctx.emu.clearLog();
  const r = await sf(ctx.runner, ['jwt-setup', 'fleet', 'login', '-m', manifest, '--json'], {
    measure: true,
    timeoutMs: 300_000,
  });
  ensureOk(r, 'sf jwt-setup fleet login');
  return {
    wallMs: r.wallMs,
    rssMb: (r.usage?.maxRssKb ?? 0) / 1024,
    cpuMs: r.usage?.cpuMs ?? 0,
    requests: ctx.emu.requestLog.length,
    problem: await missingLogins(ctx.runner.home),
  };
}

async function concurrentLogins(ctx: Context): Promise<FleetSample> {
  const { wallMs, results } = await concurrentPluginLogins(ctx);
  return {
    wallMs,
    rssMb: Math.max(...results.map((r) => (r.usage?.maxRssKb ?? 0) / 1024)),
    cpuMs: results.reduce((sum, r) => sum + (r.usage?.cpuMs ?? 0), 0),
    requests: ctx.emu.requestLog.length,
    problem: batchFailure(results) ?? (await missingLogins(ctx.runner.home)),
  };
}

async function shellLoop(ctx: Context): Promise<FleetSample> {
  const r = await incumbentLoop(ctx, 900_000);
  return { wallMs: r.wallMs, rssMb: 0, cpuMs: 0, requests: ctx.emu.requestLog.length };
}

const problemsOf = (samples: FleetSample[]): string[] =>
  samples.map((s) => s.problem).filter((p): p is string => p !== undefined);

async function atLatency(ctx: Context, manifest: string, latencyMs: number): Promise<Row[]> {
  ctx.log(
    `fleet: ${MANY} orgs at ${latencyMs} ms per request, ${ctx.runs.many} round(s) of fleet login, loop, concurrent`,
  );
  ctx.emu.setLatency(latencyMs);
  const s = await alternate(
    {
      fleet: () => fleetLogin(ctx, manifest),
      loop: () => shellLoop(ctx),
      concurrent: () => concurrentLogins(ctx),
    },
    ctx.runs.many,
    { warmUp: false },
  );
  const problems = [...problemsOf(s.fleet), ...problemsOf(s.concurrent).map((p) => `concurrent: ${p}`)];
  const failedGoal = problems.length > 0 ? (): boolean => false : undefined;
  const requests = (xs: FleetSample[]): number => summarize(pick(xs, 'requests')).median;
  const note =
    (problems.length > 0
      ? `problems: ${problems.join(' | ')} | `
      : `all ${MANY} auths and aliases recorded each run; `) +
    `requests: fleet ${requests(s.fleet)}, loop ${requests(s.loop)}, concurrent ${requests(s.concurrent)}; ` +
    `CPU: fleet ${Math.round(summarize(pick(s.fleet, 'cpuMs')).median)} ms, ` +
    `${MANY} concurrent processes ${Math.round(summarize(pick(s.concurrent, 'cpuMs')).median)} ms in total`;
  return [
    row({
      section: '9',
      metric: `fleet of ${MANY} at ${latencyMs} ms: vs a shell loop`,
      unit: 'ms',
      ours: pick(s.fleet, 'wallMs'),
      theirs: pick(s.loop, 'wallMs'),
      oursLabel: `sf jwt-setup fleet login (${MANY} orgs)`,
      theirsLabel: `shell loop of ${MANY} sf org login jwt`,
      goal: latencyMs === 100 ? { ...atMost(0.15), ...(failedGoal ? { met: failedGoal } : {}) } : report,
      note,
    }),
    row({
      section: '9',
      metric: `fleet of ${MANY} at ${latencyMs} ms: vs ${MANY} concurrent logins`,
      unit: 'ms',
      ours: pick(s.fleet, 'wallMs'),
      theirs: pick(s.concurrent, 'wallMs'),
      oursLabel: `sf jwt-setup fleet login (${MANY} orgs)`,
      theirsLabel: `${MANY} concurrent sf jwt-setup login`,
      goal: { ...atMost(0.5), ...(failedGoal ? { met: failedGoal } : {}) },
    }),
  ];
}

export const fleet: Case = {
  section: '9',
  name: 'fleet',
  goal: '<= 0.15x the loop at 100 ms; <= 0.5x 20 concurrent logins; memory <= 1.5x one login',
  async run(ctx) {
    const manifest = await writeManifest(ctx);
    const rows = [...(await atLatency(ctx, manifest, 100)), ...(await atLatency(ctx, manifest, 400))];
    ctx.log(`fleet: peak memory, ${ctx.runs.many} round(s) of fleet login (${MANY} orgs) and one login`);
    ctx.emu.setLatency(100);
    const memory = await alternate(
      {
        fleet: () => fleetLogin(ctx, manifest),
        one: () => oneLogin(ctx, OURS_LOGIN, 100),
      },
      Math.max(ctx.runs.many, 3),
      { warmUp: false },
    );
    rows.push(
      row({
        section: '9',
        metric: `peak memory (maxRSS): fleet login of ${MANY} vs one login`,
        unit: 'MB',
        ours: pick(memory.fleet, 'rssMb'),
        theirs: pick(memory.one, 'rssMb'),
        oursLabel: `sf jwt-setup fleet login (${MANY} orgs)`,
        theirsLabel: 'sf jwt-setup login (1 org)',
        goal: atMost(1.5),
      }),
    );
    return rows;
  },
};
