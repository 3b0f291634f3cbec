/*
 * What the many-orgs cases share: 20 users of one emulator org, logged in concurrently by the plugin or one after
 * another by the incumbent in a shell loop, and a check that every auth file and alias was recorded.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CONSUMER_KEY, MANY, OURS_LOGIN, ensureOk, loginArgs, manyUser, resetAuth, type Context } from './context.js';
import { describeFailure, run, sf, which, type RunResult } from './proc.js';

export const manyAlias = (i: number): string => `bench-org${String(i).padStart(2, '0')}`;

/** Why the store does not hold all MANY logins (auth files and aliases), or undefined when it does. */
export async function missingLogins(home: string): Promise<string | undefined> {
  let aliases = 0;
  try {
    const raw = JSON.parse(await readFile(join(home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs?: Record<string, string>;
    };
    aliases = Object.keys(raw.orgs ?? {}).filter((a) => a.startsWith('bench-org')).length;
  } catch {
    aliases = 0;
  }
  let auths = 0;
  for (let i = 1; i <= MANY; i++) if (existsSync(join(home, '.sfdx', `${manyUser(i)}.json`))) auths += 1;
  return aliases === MANY && auths === MANY ? undefined : `${auths}/${MANY} auth files, ${aliases}/${MANY} aliases`;
}

/** MANY concurrent `sf jwt-setup login` in one empty HOME; the wall time of the batch and each process's result. */
export async function concurrentPluginLogins(ctx: Context): Promise<{ wallMs: number; results: RunResult[] }> {
  await resetAuth(ctx.runner.home);
  ctx.emu.clearLog();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: MANY }, (_, k) =>
      sf(ctx.runner, loginArgs(ctx, OURS_LOGIN, manyUser(k + 1), manyAlias(k + 1)), {
        timeoutMs: 300_000,
        measure: true,
      }),
    ),
  );
  return { wallMs: performance.now() - started, results };
}

/** The first failure of a batch, briefly; undefined when every process succeeded. */
export function batchFailure(results: RunResult[]): string | undefined {
  const failed = results.filter((r) => r.code !== 0);
  return failed.length > 0
    ? `${failed.length}/${MANY} failed, e.g. ${describeFailure(failed[0]).slice(0, 300)}`
    : undefined;
}

/** A shell loop of MANY `sf org login jwt`, one after another, in one empty HOME (the incumbent's way). */
export async function incumbentLoop(ctx: Context, timeoutMs: number): Promise<RunResult> {
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
    timeoutMs,
  });
  ensureOk(r, 'shell loop of sf org login jwt');
  return r;
}
