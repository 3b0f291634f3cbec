/*
 * The org side: `sf jwt-setup bootstrap` end to end against the same sequence done by hand (keygen, app,
 * `sf project deploy start`, `sf org assign permset`, login), and `doctor --admin-org` against doctor without it.
 * Same emulator and latency; an admin is logged in with `sf org login access-token` before each sample (not timed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alternate, atMost, row } from '../harness/compare.js';
import { BENCH_USER, CONSUMER_KEY, ensureOk, resetAuth, type Case, type Context } from '../harness/context.js';
import { sf } from '../harness/proc.js';

const LATENCY_MS = 100;
const ADMIN = 'admin@bench.example';

async function adminLogin(ctx: Context): Promise<void> {
  await resetAuth(ctx.runner.home);
  const token = ctx.emu.issueAccessToken(ADMIN).access_token;
  const r = await sf(
    ctx.runner,
    ['org', 'login', 'access-token', '--instance-url', ctx.emu.url, '--no-prompt', '--alias', 'admin'],
    {
      env: { SF_ACCESS_TOKEN: token },
    },
  );
  ensureOk(r, 'sf org login access-token');
}

async function project(ctx: Context, name: string): Promise<string> {
  const dir = join(ctx.work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
  );
  return dir;
}

/** One sf run in `cwd`, checked: its wall time and what it printed. */
async function timed(ctx: Context, args: string[], cwd: string): Promise<{ wallMs: number; stdout: string }> {
  const r = await sf(ctx.runner, args, { cwd, timeoutMs: 300_000 });
  ensureOk(r, `sf ${args.slice(0, 3).join(' ')}`);
  return { wallMs: r.wallMs, stdout: r.stdout };
}

export const orgSide: Case = {
  section: '7',
  name: 'org side',
  goal: 'bootstrap <= 0.50x the manual sequence; doctor --admin-org <= 1.50x doctor',
  async run(ctx) {
    ctx.emu.setLatency(LATENCY_MS);
    ctx.emu.addUser({ username: ADMIN });
    let n = 0;
    const bootstrap = async (): Promise<number> => {
      n += 1;
      await adminLogin(ctx);
      const user = `boot${n}@bench.example`;
      ctx.emu.addUser({ username: user, permissionSets: [] });
      const dir = await project(ctx, `bootstrap-${n}`);
      const args = [
        'jwt-setup',
        'bootstrap',
        '--target-org',
        'admin',
        '--username',
        user,
        '--app',
        `Boot_${n}`,
        '--json',
      ];
      return (await timed(ctx, args, dir)).wallMs;
    };
    const manual = async (): Promise<number> => {
      n += 1;
      await adminLogin(ctx);
      const user = `hand${n}@bench.example`;
      const app = `Hand_${n}`;
      ctx.emu.addUser({ username: user, permissionSets: [] });
      const dir = await project(ctx, `manual-${n}`);
      const keygen = await timed(ctx, ['jwt-setup', 'keygen'], dir);
      const appRun = await timed(
        ctx,
        [
          'jwt-setup',
          'app',
          '--name',
          app,
          '--certificate-file',
          'server.crt',
          '--contact-email',
          'ci@bench.example',
          '--json',
        ],
        dir,
      );
      const consumerKey = (JSON.parse(appRun.stdout) as { result: { consumerKey: string } }).result.consumerKey;
      const deploy = await timed(
        ctx,
        ['project', 'deploy', 'start', '--source-dir', 'force-app/main/default', '--target-org', 'admin'],
        dir,
      );
      const assign = await timed(
        ctx,
        ['org', 'assign', 'permset', '--name', `${app}_Users`, '--on-behalf-of', user, '--target-org', 'admin'],
        dir,
      );
      const login = await timed(
        ctx,
        ['jwt-setup', 'login', '-o', user, '-f', 'server.key', '-i', consumerKey, '-r', ctx.emu.url],
        dir,
      );
      return keygen.wallMs + appRun.wallMs + deploy.wallMs + assign.wallMs + login.wallMs;
    };
    ctx.log(`org side: ${ctx.runs.bootstrap} alternating bootstrap / manual sequences`);
    const s = await alternate({ bootstrap, manual }, ctx.runs.bootstrap, { warmUp: false });

    // doctor with and without --admin-org, the same inputs (the org reads run alongside the exchange).
    const doctorArgs = [
      'jwt-setup',
      'doctor',
      '-o',
      BENCH_USER,
      '-f',
      ctx.keyFile,
      '-i',
      CONSUMER_KEY,
      '-r',
      ctx.emu.url,
      '--json',
    ];
    const doctorRun = async (extra: string[]): Promise<number> => {
      await adminLogin(ctx);
      const r = await sf(ctx.runner, [...doctorArgs, ...extra]);
      ensureOk(r, 'sf jwt-setup doctor');
      return r.wallMs;
    };
    ctx.log(`org side: ${ctx.runs.doctor} alternating doctor --admin-org / doctor runs`);
    const d = await alternate(
      { admin: () => doctorRun(['--admin-org', 'admin']), plain: () => doctorRun([]) },
      ctx.runs.doctor,
    );
    return [
      row({
        section: '7',
        metric: 'bootstrap vs the same steps by hand: wall',
        unit: 'ms',
        ours: s.bootstrap,
        theirs: s.manual,
        oursLabel: 'sf jwt-setup bootstrap',
        theirsLabel: 'keygen, app, project deploy start, org assign permset, login',
        goal: atMost(0.5),
      }),
      row({
        section: '7',
        metric: 'doctor --admin-org vs doctor: wall',
        unit: 'ms',
        ours: d.admin,
        theirs: d.plain,
        oursLabel: 'sf jwt-setup doctor --admin-org',
        theirsLabel: 'sf jwt-setup doctor',
        goal: atMost(1.5),
      }),
    ];
  },
};
