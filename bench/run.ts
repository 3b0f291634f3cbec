/*
 * Benchmark: sf-jwt-setup against the incumbent (`sf org login jwt`, openssl) and against the floor that sf itself
 * sets (`sf org list` in an empty HOME), in one run, on this machine, against the same in-process Salesforce
 * emulator. The plugin is measured as users install it: `npm pack`, then `sf plugins trust allowlist add` and
 * `sf plugins install file:<tarball>` into the bench's temp HOME (test/helpers/packed.ts, shared with
 * the install test). Reports ratios (ours/theirs) because the machine is shared and noisy.
 *
 *   npm run bench                 (build, then this)
 *   node --import tsx bench/run.ts [--quick] [--only 1,8]
 *
 * Prints the machine, a table and the JSON; writes bench/results/latest.json and latest.md. See bench/README.md.
 */
/* eslint-disable no-await-in-loop -- cases run one after another on purpose */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator, type SalesforceEmulator } from '../test/emulator/index.js';
import { makeCredentials } from '../test/emulator/testkit.js';
import { ROOT, SF_RUN_JS, installPacked, isolatedSfEnv, packPlugin } from '../test/helpers/index.js';
import {
  BENCH_USER,
  CONSUMER_KEY,
  MANY,
  RUNS_FULL,
  RUNS_QUICK,
  ensureOk,
  manyUser,
  type Case,
  type Context,
} from './harness/context.js';
import { killAll, run, sf, which, type SfRunner } from './harness/proc.js';
import { round } from './harness/stats.js';
import { renderMarkdown, renderNotes, renderTable, type Row } from './harness/table.js';
import { doctor } from './cases/doctor.js';
import { startup } from './cases/floor.js';
import { commandLoad } from './cases/help.js';
import { keygen } from './cases/keygen.js';
import { login } from './cases/login.js';
import { manyOrgs } from './cases/many-orgs.js';
import { fleet } from './cases/fleet.js';
import { offline } from './cases/offline.js';
import { orgSide } from './cases/org-side.js';

const QUICK = process.argv.includes('--quick');
const ALL_CASES: Case[] = [login, startup, commandLoad, keygen, doctor, manyOrgs, orgSide, offline, fleet];
/** `--only 1,8`: the cases of those rows of the table (by section), to look at one thing; nothing is written. */
const onlyIndex = process.argv.indexOf('--only');
const ONLY = onlyIndex > 0 ? new Set((process.argv[onlyIndex + 1] ?? '').split(',').map((s) => s.trim())) : undefined;
const CASES = ONLY ? ALL_CASES.filter((c) => ONLY.has(c.section)) : ALL_CASES;

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Which files the installed plugin's manifest points at (oclif loads commands from there). */
function installedCommands(root: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, { relativePath?: string[] }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.commands).map(([id, c]) => [id, join(root, ...(c.relativePath ?? []))]),
  );
}

async function main(): Promise<number> {
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), 'sf-jwt-bench-'));
  let emu: SalesforceEmulator | undefined;
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    killAll();
    await emu?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const home = join(root, 'home');
    const scratch = join(root, 'scratch');
    const work = join(root, 'work');
    const pack = join(root, 'pack');
    await Promise.all([home, scratch, work, pack].map((d) => mkdir(d, { recursive: true })));
    if (!existsSync(SF_RUN_JS)) throw new Error(`sf CLI not found at ${SF_RUN_JS} (npm install?)`);
    const runner: SfRunner = { node: process.execPath, runJs: SF_RUN_JS, env: isolatedSfEnv(home), home, scratch };

    log(
      'npm pack (clean build), then the README pipeline steps into the bench HOME: allowlist, sf plugins install file:<tarball>',
    );
    const packed = await packPlugin(pack);
    const installed = await installPacked(packed.tarball, runner.env, scratch);
    if (installed.isSymlink || !installed.realRoot.startsWith(home))
      throw new Error(`the plugin is not installed under the bench HOME: ${installed.realRoot}`);
    log(`installed in ${round(installed.install.wallMs / 1000, 1)} s at ${installed.root}`);

    const version = await sf(runner, ['--version']);
    ensureOk(version, 'sf --version');
    const openssl = which('openssl');
    const opensslVersion = openssl ? (await run(openssl, ['version'], { env: runner.env })).stdout.trim() : undefined;
    const runs = QUICK ? RUNS_QUICK : RUNS_FULL;
    const machine = {
      cpu: cpuModel(),
      cores: cpus().length,
      node: process.version,
      sf: version.stdout.trim(),
      openssl: opensslVersion ?? 'not found',
      plugin: {
        installedFrom: installed.spec.replace(root, '<bench temp>'),
        root: installed.root.replace(root, '<bench temp>'),
        type: installed.type,
        symlink: installed.isSymlink,
        packSeconds: round(packed.step.wallMs / 1000, 1),
        installSeconds: round(installed.install.wallMs / 1000, 1),
        commands: Object.fromEntries(
          Object.entries(installedCommands(installed.root)).map(([id, f]) => [id, f.replace(root, '<bench temp>')]),
        ),
      },
      mode: QUICK ? 'quick' : 'full',
      runs,
    };
    process.stdout.write(
      `Machine: ${machine.cpu}, ${machine.cores} cores; node ${machine.node}; ${machine.sf}; ${machine.openssl}\n` +
        `Plugin: packed with npm pack and installed by sf plugins install ${machine.plugin.installedFrom} (${machine.plugin.installSeconds} s), ` +
        `a ${installed.type} plugin at ${machine.plugin.root}\n` +
        `Mode: ${machine.mode}\n\n`,
    );

    const creds = await makeCredentials('bench');
    const keyFile = join(work, 'server.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    emu = await startEmulator({
      latencyMs: 100,
      apps: [{ consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['Bench'] }],
      users: [
        { username: BENCH_USER, permissionSets: ['Bench'] },
        ...Array.from({ length: MANY }, (_, k) => ({ username: manyUser(k + 1), permissionSets: ['Bench'] })),
      ],
    });
    const details: Record<string, unknown> = {};
    const ctx: Context = { runner, emu, keyFile, work, openssl, runs, details, log };

    const rows: Row[] = [];
    for (const c of CASES) {
      try {
        rows.push(...(await c.run(ctx)));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`${c.name} failed: ${message}`);
        rows.push({
          section: c.section,
          metric: c.name,
          unit: 'ms',
          oursLabel: '',
          theirsLabel: '',
          goal: c.goal,
          skipped: `error: ${message.split('\n')[0].slice(0, 140)}`,
          note: message,
        });
      }
    }

    const totalSeconds = round((performance.now() - started) / 1000, 1);
    const result = { generatedAt: new Date().toISOString(), machine, totalSeconds, rows, details };
    const notes = renderNotes(rows);
    process.stdout.write(`${renderTable(rows)}\n\n${notes ? `Notes:\n${notes}\n\n` : ''}Total ${totalSeconds} s\n\n`);
    const json = JSON.stringify(result, null, 2);
    if (ONLY) {
      process.stdout.write(`--only ${[...ONLY].join(',')}: a partial run; bench/results is left as it was\n${json}\n`);
      return rows.some((r) => r.skipped?.startsWith('error')) ? 1 : 0;
    }
    const outDir = join(ROOT, 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'latest.json'), json + '\n');
    const header = `${result.generatedAt.slice(0, 10)}: ${machine.cpu}, ${machine.cores} cores; node ${machine.node}; ${machine.sf}; ${machine.openssl}; plugin installed from the packed tarball (${machine.mode} run, ${totalSeconds} s)`;
    await writeFile(
      join(outDir, 'latest.md'),
      `${header}\n\n${renderMarkdown(rows)}\n\nNotes:\n\n${notes
        .split('\n')
        .map((l) => `- ${l}`)
        .join('\n')}\n`,
    );
    process.stdout.write(`JSON (also in bench/results/latest.json; the table as Markdown in latest.md):\n${json}\n`);
    return rows.some((r) => r.skipped?.startsWith('error')) ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
