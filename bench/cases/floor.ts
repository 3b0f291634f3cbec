/*
 * The floor: what any sf command that touches orgs costs before a plugin does anything. `sf org list` in an empty
 * HOME (no orgs, so no HTTP request) loads sf, @salesforce/core and its log-file worker, and waits for that worker
 * at exit, as a login does. Also `sf --version`, the bare start-up. The login case interleaves the floor with its
 * runs, so both are taken under the same conditions.
 */
/* eslint-disable no-await-in-loop -- each run is timed alone */
import { row } from '../harness/compare.js';
import { ensureOk, measure, type Case, type Context, type Sample } from '../harness/context.js';
import { sf } from '../harness/proc.js';
import { summarize } from '../harness/stats.js';

export const FLOOR_ARGS = ['org', 'list', '--json'];
export const FLOOR_LABEL = 'sf org list (empty HOME)';

/** One floor run, from an empty HOME like every login. */
export const floorSample = (ctx: Context, latencyMs: number, env?: NodeJS.ProcessEnv): Promise<Sample> =>
  measure(ctx, FLOOR_ARGS, latencyMs, env);

/** The goal the issue sets: a login costs at most the floor, its two round trips, and 150 ms of its own work. */
export const floorGoalMs = (latencyMs: number): number => 2 * latencyMs + 150;

export const startup: Case = {
  section: '1',
  name: 'sf start-up',
  goal: 'context',
  async run(ctx) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ctx.runs.startup; i++) {
      const r = await sf(ctx.runner, ['--version'], { measure: true });
      ensureOk(r, 'sf --version');
      wall.push(r.wallMs);
      if (r.usage) cpu.push(r.usage.cpuMs);
    }
    return [
      row({
        section: '1',
        metric: 'context: sf start-up (sf --version)',
        unit: 'ms',
        ours: wall,
        oursLabel: 'sf --version',
        goal: { goal: 'context' },
        note: `CPU median ${Math.round(summarize(cpu).median)} ms; no org code, no log file`,
      }),
    ];
  },
};
