/*
 * Command load: `sf jwt-setup login --help` against `sf org login jwt --help` (sf start-up, plugin discovery, the
 * command's help from the manifest).
 */
import { alternate, atMost, row } from '../harness/compare.js';
import { OURS_LOGIN, THEIRS_LOGIN, ensureOk, type Case, type Context } from '../harness/context.js';
import { sf } from '../harness/proc.js';

const help = async (ctx: Context, command: string[]): Promise<number> => {
  const r = await sf(ctx.runner, [...command, '--help']);
  ensureOk(r, `sf ${command.join(' ')} --help`);
  return r.wallMs;
};

export const commandLoad: Case = {
  section: '4',
  name: 'command load',
  goal: '<= 1.00x',
  async run(ctx) {
    ctx.log(`command load: ${ctx.runs.help} alternating --help runs each`);
    const s = await alternate(
      { ours: () => help(ctx, OURS_LOGIN), theirs: () => help(ctx, THEIRS_LOGIN) },
      ctx.runs.help,
    );
    return [
      row({
        section: '4',
        metric: 'command load: login --help',
        unit: 'ms',
        ours: s.ours,
        theirs: s.theirs,
        oursLabel: 'sf jwt-setup login --help',
        theirsLabel: 'sf org login jwt --help',
        goal: atMost(1),
      }),
    ];
  },
};
