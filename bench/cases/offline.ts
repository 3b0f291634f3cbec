/*
 * The commands that talk to no org (keygen, app, assertion, doctor --offline) against the floor (`sf org list` in an
 * empty HOME): each should cost no more than sf's own start-up with @salesforce/core, since it needs nothing more.
 * Alongside wall and CPU the rows say what each loaded against the floor (modules, source KiB) and which packages
 * came from two folders (second copies: the installed plugin's own, beside sf's), from the preload's module counts
 * (BENCH_MODULES=1, these runs only: the count costs a little on every module).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { alternate, atMost, pick, row } from '../harness/compare.js';
import { BENCH_USER, CONSUMER_KEY, ensureOk, resetAuth, type Case, type Context } from '../harness/context.js';
import { sf, type Loaded } from '../harness/proc.js';
import { summarize } from '../harness/stats.js';
import type { Row } from '../harness/table.js';
import { FLOOR_ARGS, FLOOR_LABEL } from './floor.js';

type Run = { wallMs: number; cpuMs: number; modules?: Loaded };

const MODULES = { BENCH_MODULES: '1' };

async function once(ctx: Context, args: string[], what: string): Promise<Run> {
  await resetAuth(ctx.runner.home);
  const r = await sf(ctx.runner, args, { measure: true, env: MODULES });
  ensureOk(r, what);
  return { wallMs: r.wallMs, cpuMs: r.usage?.cpuMs ?? Number.NaN, modules: r.usage?.modules };
}

/** Package name of a package folder URL ('…/node_modules/@scope/x' -> '@scope/x'). */
const nameOf = (dir: string): string => dir.slice(dir.lastIndexOf('/node_modules/') + 14);

/** What `ours` loaded against `floor`: module and KiB counts, packages with a second copy, what the floor lacks. */
export function describeLoads(ours?: Loaded, floor?: Loaded): string {
  if (!ours || !floor) return 'modules: not recorded (node without module.registerHooks)';
  const copies = new Map<string, string[]>();
  for (const dir of Object.keys(ours.packages)) copies.set(nameOf(dir), [...(copies.get(nameOf(dir)) ?? []), dir]);
  const floorDirs = new Set(Object.keys(floor.packages));
  // a second copy: a package the floor also loaded, here (also) from another folder
  const twice = [...copies].filter(([, dirs]) => dirs.length > 1 && dirs.some((d) => !floorDirs.has(d)));
  const twiceModules = twice.reduce(
    (n, [, dirs]) => n + dirs.filter((d) => !floorDirs.has(d)).reduce((m, d) => m + ours.packages[d], 0),
    0,
  );
  const floorNames = new Set([...floorDirs].map(nameOf));
  const beyond = Object.entries(ours.packages)
    .filter(([dir]) => !floorNames.has(nameOf(dir)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([dir, n]) => `${nameOf(dir)} ${n}`);
  const core = copies.get('@salesforce/core')?.length ?? 0;
  return (
    `modules: ${ours.count} (${Math.round(ours.bytes / 1024)} KiB) vs the floor's ${floor.count} (${Math.round(floor.bytes / 1024)} KiB); ` +
    `@salesforce/core copies: ${core}; packages loaded from two folders: ${twice.length} (${twiceModules} modules` +
    `${
      twice.length
        ? `: ${twice
            .slice(0, 8)
            .map(([n]) => n)
            .join(', ')}${twice.length > 8 ? ', …' : ''}`
        : ''
    }); ` +
    `not in the floor: ${beyond.join(', ') || 'nothing'}`
  );
}

export const offline: Case = {
  section: '8',
  name: 'commands without an org vs the floor',
  goal: '<= 1.00x the floor',
  async run(ctx) {
    const dir = join(ctx.work, 'offline');
    await mkdir(dir, { recursive: true });
    const credentials = ['-o', BENCH_USER, '-f', ctx.keyFile, '-i', CONSUMER_KEY, '-r', 'https://login.salesforce.com'];
    const commands: Array<{ label: string; args: string[] }> = [
      { label: 'sf jwt-setup keygen', args: ['jwt-setup', 'keygen', '-d', dir, '-n', 'offline', '--force', '--json'] },
      {
        label: 'sf jwt-setup app',
        args: [
          'jwt-setup',
          'app',
          '-n',
          'Offline_App',
          '-d',
          join(dir, 'app'),
          '-c',
          join(dir, 'offline.crt'),
          '--force',
          '--json',
        ],
      },
      { label: 'sf jwt-setup assertion', args: ['jwt-setup', 'assertion', ...credentials, '--json'] },
      { label: 'sf jwt-setup doctor --offline', args: ['jwt-setup', 'doctor', '--offline', ...credentials, '--json'] },
    ];
    const rows: Row[] = [];
    // the app command reads the certificate keygen writes
    ensureOk(await sf(ctx.runner, commands[0].args), 'sf jwt-setup keygen');
    for (const command of commands) {
      ctx.log(`${command.label} vs the floor: ${ctx.runs.offline} rounds`);
      // eslint-disable-next-line no-await-in-loop
      const samples = await alternate(
        {
          ours: () => once(ctx, command.args, command.label),
          floor: () => once(ctx, FLOOR_ARGS, FLOOR_LABEL),
        },
        ctx.runs.offline,
      );
      const cpu = (xs: Run[]): number => Math.round(summarize(pick(xs, 'cpuMs')).median);
      rows.push(
        row({
          section: '8',
          metric: `${command.label.replace('sf jwt-setup ', '')}: wall vs the floor`,
          unit: 'ms',
          ours: pick(samples.ours, 'wallMs'),
          theirs: pick(samples.floor, 'wallMs'),
          oursLabel: command.label,
          theirsLabel: FLOOR_LABEL,
          goal: atMost(1),
          note:
            `CPU p50 ${cpu(samples.ours)} ms vs ${cpu(samples.floor)} ms; ` +
            describeLoads(samples.ours.at(-1)?.modules, samples.floor.at(-1)?.modules),
        }),
      );
    }
    return rows;
  },
};
