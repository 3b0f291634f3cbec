/*
 * Benchmark: sf-jwt-setup against the incumbent (`sf org login jwt`, openssl), in one run, on this machine, against
 * the same in-process Salesforce emulator. Reports ratios (ours/theirs) because the machine is shared and noisy.
 *
 *   npm run bench                 (build, then this)
 *   node --import tsx bench/run.ts [--quick]
 *
 * Prints the machine, a table and the JSON; writes bench/results/latest.json. See bench/README.md.
 */
/* eslint-disable no-await-in-loop -- runs are sequential on purpose: each one is timed alone */
import { generateKeyPair } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { startEmulator, type SalesforceEmulator } from '../test/emulator/index.js';
import { makeCredentials } from '../test/emulator/testkit.js';
import { createSelfSignedCertificate } from '../src/keys/certificate.js';
import { parseSubject } from '../src/keys/subject.js';
import { describeFailure, killAll, run, sf, type RunResult, type SfRunner } from './lib/proc.js';
import { round, summarize, type Summary } from './lib/stats.js';
import { renderNotes, renderTable, type Row } from './lib/table.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.argv.includes('--quick');
const LATENCY_MS = 100;
const CONSUMER_KEY = '3MVG9BENCHMARKCONSUMERKEY';
const MANY = 20;

const RUNS = QUICK
  ? { login: 3, help: 3, rsa2048: 3, rsa4096: 2, doctor: 2, many: 1, startup: 3 }
  : { login: 7, help: 7, rsa2048: 7, rsa4096: 5, doctor: 5, many: 3, startup: 5 };

const generateRsa = promisify(generateKeyPair);

type Context = {
  runner: SfRunner;
  emu: SalesforceEmulator;
  keyFile: string;
  work: string;
  openssl?: string;
};

const rows: Row[] = [];
const details: Record<string, unknown> = {};

// ---------------------------------------------------------------------------------------------------------------
// set-up

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, cmd);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  for (const candidate of [`/usr/bin/${cmd}`, `/usr/local/bin/${cmd}`, `/bin/${cmd}`]) if (existsSync(candidate)) return candidate;
  return undefined;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function sfEnv(home: string): NodeJS.ProcessEnv {
  // Built from scratch: no XDG_*, NODE_OPTIONS, SF_* or proxy settings of the caller leak into the measured CLI.
  return {
    PATH: [join(REPO, 'node_modules', '.bin'), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter),
    HOME: home,
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_TELEMETRY: 'true',
    SF_DISABLE_AUTOUPDATE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
    SF_HIDE_RELEASE_NOTES: 'true',
  };
}

/**
 * Installs the plugin into the temp HOME as a *user* plugin (what `sf plugins install` produces), pointing at this
 * checkout through a symlink, so oclif loads the commands the way users get them: from oclif.manifest.json and
 * the compiled lib/. See README.md ("lib or src").
 */
async function installPlugin(home: string): Promise<void> {
  const dataDir = join(home, '.local', 'share', 'sf');
  await mkdir(join(dataDir, 'node_modules'), { recursive: true });
  await symlink(REPO, join(dataDir, 'node_modules', 'sf-jwt-setup'), 'dir');
  const pjson = {
    private: true,
    oclif: { schema: 1, plugins: [{ name: 'sf-jwt-setup', type: 'user', tag: 'latest' }] },
    dependencies: { 'sf-jwt-setup': `file:${REPO}` },
  };
  await writeFile(join(dataDir, 'package.json'), JSON.stringify(pjson, null, 2));
}

/** What oclif will load: the manifest's relativePath for each command, and whether lib is older than src. */
function pluginCodeInfo(): Record<string, unknown> {
  const manifestFile = join(REPO, 'oclif.manifest.json');
  if (!existsSync(manifestFile)) return { loadedFrom: 'no oclif.manifest.json: oclif would search lib/ (or src/ when linked)' };
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    version: string;
    commands: Record<string, { relativePath?: string[] }>;
  };
  const commands = Object.fromEntries(Object.entries(manifest.commands).map(([id, c]) => [id, (c.relativePath ?? []).join('/')]));
  const warnings: string[] = [];
  for (const [id, rel] of Object.entries(commands)) {
    const js = join(REPO, rel);
    const ts = join(REPO, rel.replace(/^lib\//, 'src/').replace(/\.js$/, '.ts'));
    if (!existsSync(js)) warnings.push(`${id}: ${rel} missing`);
    else if (existsSync(ts) && statSync(ts).mtimeMs > statSync(js).mtimeMs) warnings.push(`${id}: ${rel} is older than its source (stale build?)`);
  }
  return { manifestVersion: manifest.version, commands, warnings };
}

async function resetAuth(home: string): Promise<void> {
  await rm(join(home, '.sfdx'), { recursive: true, force: true });
  await rm(join(home, '.sf'), { recursive: true, force: true });
}

function ratio(ours?: Summary, theirs?: Summary): number | undefined {
  if (!ours || !theirs || ours.n === 0 || theirs.n === 0 || theirs.median === 0) return undefined;
  return ours.median / theirs.median;
}

function ensureOk(r: RunResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} failed: ${describeFailure(r)}`);
}

function errorRow(section: string, metric: string, goal: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  rows.push({ section, metric, unit: 'ms', oursLabel: '', theirsLabel: '', goal, skipped: `error: ${message.split('\n')[0].slice(0, 140)}`, note: message });
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. login

const BENCH_USER = 'ci@bench.example';
const manyUser = (i: number): string => `org${String(i).padStart(2, '0')}@bench.example`;

function loginArgs(ctx: Context, command: string[], username: string, alias: string): string[] {
  return [...command, '-o', username, '-f', ctx.keyFile, '-i', CONSUMER_KEY, '-r', ctx.emu.url, '-a', alias, '--json'];
}

const OURS_LOGIN = ['jwt-setup', 'login'];
const THEIRS_LOGIN = ['org', 'login', 'jwt'];

type LoginSample = { wallMs: number; cpuMs: number; rssMb: number; trips: number; waves: number; paths: string[] };

/**
 * Sequential round trips: requests grouped into waves, a new wave starting when a request arrives after the
 * previous wave's first one could have been answered (the added latency). Parallel requests share a wave.
 */
function sequentialWaves(arrivals: number[], latencyMs: number): number {
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

async function oneLogin(ctx: Context, command: string[], env?: NodeJS.ProcessEnv): Promise<LoginSample> {
  await resetAuth(ctx.runner.home);
  ctx.emu.clearLog();
  const r = await sf(ctx.runner, loginArgs(ctx, command, BENCH_USER, 'bench'), { measure: true, env });
  ensureOk(r, `sf ${command.join(' ')}`);
  const t0 = ctx.emu.requestLog[0]?.at ?? 0;
  const paths = ctx.emu.requestLog.map((e) => `+${e.at - t0}ms ${e.method} ${e.path} ${e.status}`);
  const waves = sequentialWaves(ctx.emu.requestLog.map((e) => e.at), LATENCY_MS);
  if (!r.usage) throw new Error(`no rusage from sf ${command.join(' ')}`);
  return { wallMs: r.wallMs, cpuMs: r.usage.cpuMs, rssMb: r.usage.maxRssKb / 1024, trips: paths.length, waves, paths };
}

async function benchLogin(ctx: Context): Promise<{ oursWall?: Summary }> {
  log(`login: warm-up, then ${RUNS.login} alternating runs each (latency ${LATENCY_MS} ms)`);
  ctx.emu.setLatency(LATENCY_MS);
  const ours: LoginSample[] = [];
  const theirs: LoginSample[] = [];
  await oneLogin(ctx, OURS_LOGIN);
  await oneLogin(ctx, THEIRS_LOGIN);
  for (let i = 0; i < RUNS.login; i++) {
    if (i % 2 === 0) {
      ours.push(await oneLogin(ctx, OURS_LOGIN));
      theirs.push(await oneLogin(ctx, THEIRS_LOGIN));
    } else {
      theirs.push(await oneLogin(ctx, THEIRS_LOGIN));
      ours.push(await oneLogin(ctx, OURS_LOGIN));
    }
  }
  const S = (xs: LoginSample[], k: keyof Omit<LoginSample, 'paths'>): Summary => summarize(xs.map((x) => x[k]));
  const labels = { oursLabel: 'sf jwt-setup login', theirsLabel: 'sf org login jwt' };
  const wallO = S(ours, 'wallMs');
  const wallT = S(theirs, 'wallMs');
  const wallRatio = ratio(wallO, wallT);
  rows.push({ section: '1', metric: 'login: wall time', unit: 'ms', ours: wallO, theirs: wallT, ...labels, ratio: wallRatio, goal: '<= 0.50x', met: wallRatio !== undefined && wallRatio <= 0.5 });
  const cpuO = S(ours, 'cpuMs');
  const cpuT = S(theirs, 'cpuMs');
  const cpuRatio = ratio(cpuO, cpuT);
  rows.push({ section: '1', metric: 'login: CPU (user+sys)', unit: 'ms', ours: cpuO, theirs: cpuT, ...labels, ratio: cpuRatio, goal: '<= 1.00x', met: cpuRatio !== undefined && cpuRatio <= 1 });
  const rssO = S(ours, 'rssMb');
  const rssT = S(theirs, 'rssMb');
  rows.push({ section: '1', metric: 'login: peak memory (maxRSS)', unit: 'MB', ours: rssO, theirs: rssT, ...labels, ratio: ratio(rssO, rssT), goal: 'report' });
  const tripsO = S(ours, 'trips');
  const tripsT = S(theirs, 'trips');
  rows.push({
    section: '1',
    metric: 'login: HTTP requests',
    unit: 'req',
    ours: tripsO,
    theirs: tripsT,
    ...labels,
    ratio: ratio(tripsO, tripsT),
    goal: `< theirs (${tripsT.median})`,
    met: tripsO.max < tripsT.min,
    note: `ours: ${ours[0].paths.join(', ')} | theirs: ${theirs[0].paths.join(', ')}`,
  });
  const wavesO = S(ours, 'waves');
  const wavesT = S(theirs, 'waves');
  rows.push({
    section: '1',
    metric: 'login: sequential round trips',
    unit: 'req',
    ours: wavesO,
    theirs: wavesT,
    ...labels,
    ratio: ratio(wavesO, wavesT),
    goal: `< theirs (${wavesT.median})`,
    met: wavesO.max < wavesT.min,
    note: `requests answered in parallel count once; network floor at ${LATENCY_MS} ms: ours ${wavesO.median * LATENCY_MS} ms, theirs ${wavesT.median * LATENCY_MS} ms`,
  });
  // The same comparison without the sf CLI's log file: its pino worker thread boots in parallel with every command
  // and is flushed synchronously at exit, which sets a floor (about 1.2 s here) under any sf command that finishes
  // sooner. Many pipelines set SF_DISABLE_LOG_FILE=true; there the commands' own work shows.
  const noLog = { SF_DISABLE_LOG_FILE: 'true' };
  const oursNoLog: LoginSample[] = [];
  const theirsNoLog: LoginSample[] = [];
  for (let i = 0; i < RUNS.login; i++) {
    oursNoLog.push(await oneLogin(ctx, OURS_LOGIN, noLog));
    theirsNoLog.push(await oneLogin(ctx, THEIRS_LOGIN, noLog));
  }
  const wallON = S(oursNoLog, 'wallMs');
  const wallTN = S(theirsNoLog, 'wallMs');
  const wallRatioN = ratio(wallON, wallTN);
  rows.push({
    section: '1',
    metric: 'login: wall, SF_DISABLE_LOG_FILE=true',
    unit: 'ms',
    ours: wallON,
    theirs: wallTN,
    ...labels,
    ratio: wallRatioN,
    goal: '<= 0.50x',
    met: wallRatioN !== undefined && wallRatioN <= 0.5,
    note: 'without the sf log worker that every sf command waits for at exit (see the default-settings row)',
  });
  details.login = {
    latencyMs: LATENCY_MS,
    oursRequests: ours[0].paths,
    theirsRequests: theirs[0].paths,
    networkFloorMs: { ours: wavesO.median * LATENCY_MS, theirs: wavesT.median * LATENCY_MS },
  };
  return { oursWall: wallO };
}

/** How long sf takes to start and exit doing nothing: the floor under every command. */
async function benchStartup(ctx: Context): Promise<Summary> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS.startup; i++) {
    const r = await sf(ctx.runner, ['--version'], { measure: true });
    ensureOk(r, 'sf --version');
    wall.push(r.wallMs);
    if (r.usage) cpu.push(r.usage.cpuMs);
  }
  const s = summarize(wall);
  rows.push({
    section: '1',
    metric: 'context: sf start-up (sf --version)',
    unit: 'ms',
    ours: s,
    oursLabel: 'sf --version',
    theirsLabel: '',
    goal: 'context',
    note: `CPU median ${Math.round(summarize(cpu).median)} ms; every sf command pays this before its own work`,
  });
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. command load

async function benchHelp(ctx: Context): Promise<void> {
  log(`command load: ${RUNS.help} alternating --help runs each`);
  const ours: number[] = [];
  const theirs: number[] = [];
  const once = async (cmd: string[], into: number[]): Promise<void> => {
    const r = await sf(ctx.runner, [...cmd, '--help']);
    ensureOk(r, `sf ${cmd.join(' ')} --help`);
    into.push(r.wallMs);
  };
  await once(OURS_LOGIN, []);
  await once(THEIRS_LOGIN, []);
  for (let i = 0; i < RUNS.help; i++) {
    if (i % 2 === 0) {
      await once(OURS_LOGIN, ours);
      await once(THEIRS_LOGIN, theirs);
    } else {
      await once(THEIRS_LOGIN, theirs);
      await once(OURS_LOGIN, ours);
    }
  }
  const o = summarize(ours);
  const t = summarize(theirs);
  const r = ratio(o, t);
  rows.push({
    section: '2',
    metric: 'command load: login --help',
    unit: 'ms',
    ours: o,
    theirs: t,
    oursLabel: 'sf jwt-setup login --help',
    theirsLabel: 'sf org login jwt --help',
    ratio: r,
    goal: '<= 1.00x',
    met: r !== undefined && r <= 1,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 3. key and certificate

async function benchKeys(ctx: Context): Promise<void> {
  const subject = parseSubject('CN=x');
  // load @peculiar/x509 once: the in-process number is the generation, not the module load
  {
    const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x1_00_01 });
    await createSelfSignedCertificate({ privateKey, publicKey, subject, days: 365 });
  }
  for (const bits of [2048, 4096] as const) {
    const n = bits === 2048 ? RUNS.rsa2048 : RUNS.rsa4096;
    log(`keys: RSA ${bits}, ${n} runs of each`);
    const inProc: number[] = [];
    const sfKeygen: number[] = [];
    const openssl: number[] = [];
    const dir = join(ctx.work, `keygen-${bits}`);
    await mkdir(dir, { recursive: true });
    const runOpenssl = async (): Promise<void> => {
      if (!ctx.openssl) return;
      const r = await run(
        ctx.openssl,
        ['req', '-x509', '-newkey', `rsa:${bits}`, '-nodes', '-keyout', join(dir, 'o.key'), '-out', join(dir, 'o.crt'), '-days', '365', '-subj', '/CN=x'],
        { env: ctx.runner.env, cwd: dir, timeoutMs: 120_000 }
      );
      ensureOk(r, 'openssl req');
      openssl.push(r.wallMs);
    };
    const runInProc = async (): Promise<void> => {
      const started = performance.now();
      const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: bits, publicExponent: 0x1_00_01 });
      await createSelfSignedCertificate({ privateKey, publicKey, subject, days: 365 });
      inProc.push(performance.now() - started);
    };
    const runSf = async (): Promise<void> => {
      const r = await sf(ctx.runner, ['jwt-setup', 'keygen', '-d', dir, '-n', 'k', '--key-size', String(bits), '--force', '--json']);
      ensureOk(r, 'sf jwt-setup keygen');
      sfKeygen.push(r.wallMs);
    };
    // rotate the order so no tool always runs first (or right after a CPU-heavy neighbour)
    const order = [runOpenssl, runInProc, runSf];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < order.length; k++) await order[(i + k) % order.length]();
    }
    const ip = summarize(inProc);
    const sk = summarize(sfKeygen);
    if (ctx.openssl) {
      const os = summarize(openssl);
      const r1 = ratio(ip, os);
      rows.push({
        section: '3',
        metric: `RSA ${bits} key+cert: in-process vs openssl`,
        unit: 'ms',
        ours: ip,
        theirs: os,
        oursLabel: 'generateKeyPair + createSelfSignedCertificate',
        theirsLabel: `openssl req -x509 -newkey rsa:${bits}`,
        ratio: r1,
        goal: '<= 1.50x',
        met: r1 !== undefined && r1 <= 1.5,
        note: `IQR ours ${Math.round(ip.q1)}–${Math.round(ip.q3)} ms, openssl ${Math.round(os.q1)}–${Math.round(os.q3)} ms`,
      });
      rows.push({
        section: '3',
        metric: `RSA ${bits}: sf jwt-setup keygen vs openssl`,
        unit: 'ms',
        ours: sk,
        theirs: os,
        oursLabel: `sf jwt-setup keygen --key-size ${bits}`,
        theirsLabel: `openssl req -x509 -newkey rsa:${bits}`,
        ratio: ratio(sk, os),
        goal: 'report',
      });
    } else {
      rows.push({ section: '3', metric: `RSA ${bits} key+cert: in-process vs openssl`, unit: 'ms', ours: ip, oursLabel: 'in-process', theirsLabel: '', goal: '<= 1.50x', skipped: 'skipped: openssl not found' });
      rows.push({ section: '3', metric: `RSA ${bits}: sf jwt-setup keygen (no openssl)`, unit: 'ms', ours: sk, oursLabel: 'sf jwt-setup keygen', theirsLabel: '', goal: 'report' });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. doctor

async function benchDoctor(ctx: Context): Promise<void> {
  const goal = '<= login + 200 ms';
  const probe = await sf(ctx.runner, ['jwt-setup', 'doctor', '--help']);
  if (probe.code !== 0) {
    rows.push({ section: '4', metric: 'doctor (online) vs login: wall', unit: 'ms', oursLabel: '', theirsLabel: '', goal, skipped: 'skipped: command not available' });
    return;
  }
  log(`doctor: ${RUNS.doctor} alternating doctor/login runs`);
  ctx.emu.setLatency(LATENCY_MS);
  const doctor: number[] = [];
  const doctorTrips: number[] = [];
  const login: number[] = [];
  const loginTrips: number[] = [];
  const doctorArgs = ['jwt-setup', 'doctor', '-o', BENCH_USER, '-f', ctx.keyFile, '-i', CONSUMER_KEY, '-r', ctx.emu.url, '--json'];
  const runDoctor = async (into: number[], trips: number[]): Promise<void> => {
    await resetAuth(ctx.runner.home);
    ctx.emu.clearLog();
    const r = await sf(ctx.runner, doctorArgs);
    ensureOk(r, 'sf jwt-setup doctor');
    into.push(r.wallMs);
    trips.push(ctx.emu.requestLog.length);
  };
  const runLogin = async (into: number[], trips: number[]): Promise<void> => {
    const s = await oneLogin(ctx, OURS_LOGIN);
    into.push(s.wallMs);
    trips.push(s.trips);
  };
  await runDoctor([], []);
  for (let i = 0; i < RUNS.doctor; i++) {
    if (i % 2 === 0) {
      await runDoctor(doctor, doctorTrips);
      await runLogin(login, loginTrips);
    } else {
      await runLogin(login, loginTrips);
      await runDoctor(doctor, doctorTrips);
    }
  }
  const d = summarize(doctor);
  const l = summarize(login);
  const r = ratio(d, l);
  rows.push({
    section: '4',
    metric: 'doctor (online) vs login: wall',
    unit: 'ms',
    ours: d,
    theirs: l,
    oursLabel: 'sf jwt-setup doctor',
    theirsLabel: 'sf jwt-setup login',
    ratio: r,
    goal,
    met: d.median - l.median <= 2 * LATENCY_MS,
    note: `doctor − login = ${Math.round(d.median - l.median)} ms (medians)`,
  });
  rows.push({
    section: '4',
    metric: 'doctor vs login: HTTP requests',
    unit: 'req',
    ours: summarize(doctorTrips),
    theirs: summarize(loginTrips),
    oursLabel: 'sf jwt-setup doctor',
    theirsLabel: 'sf jwt-setup login',
    ratio: ratio(summarize(doctorTrips), summarize(loginTrips)),
    goal: 'report',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 5. many orgs

async function recordedAliases(home: string): Promise<number> {
  try {
    const raw = JSON.parse(await readFile(join(home, '.sfdx', 'alias.json'), 'utf8')) as { orgs?: Record<string, string> };
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

async function benchMany(ctx: Context): Promise<void> {
  log(`many orgs: ${MANY} orgs, ${RUNS.many} run(s) of each`);
  ctx.emu.setLatency(LATENCY_MS);
  const ours: number[] = [];
  const theirs: number[] = [];
  const oursTrips: number[] = [];
  const oursCpu: number[] = [];
  const theirsTrips: number[] = [];
  const problems: string[] = [];
  const alias = (i: number): string => `bench-org${String(i).padStart(2, '0')}`;

  const runOurs = async (): Promise<void> => {
    await resetAuth(ctx.runner.home);
    ctx.emu.clearLog();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: MANY }, (_, k) =>
        sf(ctx.runner, loginArgs(ctx, OURS_LOGIN, manyUser(k + 1), alias(k + 1)), { timeoutMs: 300_000, measure: true })
      )
    );
    ours.push(performance.now() - started);
    oursCpu.push(results.reduce((sum, r) => sum + (r.usage?.cpuMs ?? 0), 0));
    oursTrips.push(ctx.emu.requestLog.length);
    const failed = results.filter((r) => r.code !== 0);
    if (failed.length > 0) problems.push(`ours: ${failed.length}/${MANY} logins failed, e.g. ${describeFailure(failed[0]).slice(0, 300)}`);
    const aliases = await recordedAliases(ctx.runner.home);
    const auths = recordedAuthFiles(ctx.runner.home);
    if (aliases !== MANY || auths !== MANY) problems.push(`ours: ${auths}/${MANY} auth files and ${aliases}/${MANY} aliases recorded`);
  };
  const runTheirs = async (): Promise<void> => {
    await resetAuth(ctx.runner.home);
    ctx.emu.clearLog();
    const ids = Array.from({ length: MANY }, (_, k) => String(k + 1).padStart(2, '0')).join(' ');
    const script =
      `for i in ${ids}; do\n` +
      `  sf org login jwt -o "org$i@bench.example" -f '${ctx.keyFile}' -i '${CONSUMER_KEY}' -r '${ctx.emu.url}' -a "bench-org$i" --json >/dev/null || exit 1\n` +
      'done\n';
    const shell = which('bash') ?? which('sh') ?? '/bin/sh';
    const r = await run(shell, ['-c', script], { env: ctx.runner.env, cwd: ctx.runner.scratch, timeoutMs: 600_000 });
    ensureOk(r, 'shell loop of sf org login jwt');
    theirs.push(r.wallMs);
    theirsTrips.push(ctx.emu.requestLog.length);
  };
  for (let i = 0; i < RUNS.many; i++) {
    if (i % 2 === 0) {
      await runOurs();
      await runTheirs();
    } else {
      await runTheirs();
      await runOurs();
    }
  }
  const o = summarize(ours);
  const t = summarize(theirs);
  const r = ratio(o, t);
  rows.push({
    section: '5',
    metric: `${MANY} orgs: concurrent ours vs sequential theirs`,
    unit: 'ms',
    ours: o,
    theirs: t,
    oursLabel: `${MANY} concurrent sf jwt-setup login`,
    theirsLabel: `shell loop of ${MANY} sf org login jwt`,
    ratio: r,
    goal: 'report',
    met: problems.length > 0 ? false : undefined,
    note:
      (problems.length > 0 ? problems.join(' | ') + ' | ' : `all ${MANY} orgs and aliases recorded each run; `) +
      `requests ours ${summarize(oursTrips).median}, theirs ${summarize(theirsTrips).median}; ` +
      `ours: ${MANY} processes used ${Math.round(summarize(oursCpu).median)} ms CPU in total ` +
      `(${cpus().length} cores -> CPU floor ${Math.round(summarize(oursCpu).median / cpus().length)} ms)`,
  });
}

// ---------------------------------------------------------------------------------------------------------------

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
    await Promise.all([mkdir(home, { recursive: true }), mkdir(scratch, { recursive: true }), mkdir(work, { recursive: true })]);
    const runner: SfRunner = {
      node: process.execPath,
      runJs: join(REPO, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js'),
      env: sfEnv(home),
      home,
      scratch,
    };
    if (!existsSync(runner.runJs)) throw new Error(`sf CLI not found at ${runner.runJs} (npm install?)`);
    await installPlugin(home);

    const version = await sf(runner, ['--version']);
    ensureOk(version, 'sf --version');
    const plugins = await sf(runner, ['plugins']);
    if (!plugins.stdout.includes('sf-jwt-setup')) throw new Error(`plugin not registered in the temp HOME: ${describeFailure(plugins)}`);
    const openssl = which('openssl');
    const opensslVersion = openssl ? (await run(openssl, ['version'], { env: runner.env })).stdout.trim() : undefined;
    const machine = {
      cpu: cpuModel(),
      cores: cpus().length,
      node: process.version,
      sf: version.stdout.trim(),
      openssl: opensslVersion ?? 'not found',
      plugin: pluginCodeInfo(),
      mode: QUICK ? 'quick' : 'full',
      runs: RUNS,
    };
    process.stdout.write(
      `Machine: ${machine.cpu}, ${machine.cores} cores; node ${machine.node}; ${machine.sf}; ${machine.openssl}\n` +
        `Plugin: installed as a user plugin (symlink to ${REPO}); commands from ${Object.values((machine.plugin.commands as Record<string, string> | undefined) ?? {}).join(', ')}\n` +
        `Mode: ${machine.mode}; emulator latency ${LATENCY_MS} ms per request\n\n`
    );
    for (const w of (machine.plugin.warnings as string[] | undefined) ?? []) log(`warning: ${w}`);

    const creds = await makeCredentials('bench');
    const keyFile = join(work, 'server.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    emu = await startEmulator({
      latencyMs: LATENCY_MS,
      apps: [{ consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['Bench'] }],
      users: [
        { username: BENCH_USER, permissionSets: ['Bench'] },
        ...Array.from({ length: MANY }, (_, k) => ({ username: manyUser(k + 1), permissionSets: ['Bench'] })),
      ],
    });
    const ctx: Context = { runner, emu, keyFile, work, openssl };

    const section = async (name: string, goal: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        errorRow(name.split(' ')[0], name, goal, error);
      }
    };
    await section('1 login', '<= 0.50x', async () => {
      await benchLogin(ctx);
      await benchStartup(ctx);
    });
    await section('2 command load', '<= 1.00x', () => benchHelp(ctx));
    await section('3 keys', '<= 1.50x', () => benchKeys(ctx));
    await section('4 doctor', '<= login + 200 ms', () => benchDoctor(ctx));
    await section('5 many orgs', 'report', () => benchMany(ctx));

    const totalSeconds = round((performance.now() - started) / 1000, 1);
    const result = { generatedAt: new Date().toISOString(), machine, totalSeconds, rows, details };
    const table = renderTable(rows);
    const notes = renderNotes(rows);
    process.stdout.write(`${table}\n\n${notes ? `Notes:\n${notes}\n\n` : ''}Total ${totalSeconds} s\n\n`);
    const json = JSON.stringify(result, null, 2);
    const outDir = join(REPO, 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'latest.json'), json + '\n');
    process.stdout.write(`JSON (also in bench/results/latest.json):\n${json}\n`);
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
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
);
