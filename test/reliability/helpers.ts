/*
 * Shared helpers of the reliability and security suite: isolated sf homes, coded-error assertions, secret-leak
 * detection, byte-for-byte snapshots of the sf store, and child processes (bin/dev.js and the real `sf`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateAggregator } from '@salesforce/core';
import { expect } from 'chai';
import { ERROR_CODES, JwtSetupError } from '../../src/errors.js';
import { audienceCandidates, parseLoginUrl } from '../../src/jwt/endpoint.js';
import type { LoginInputs } from '../../src/auth/inputs.js';
import type { KeyInput } from '../../src/keys/private-key.js';
import type { SalesforceEmulator } from '../emulator/index.js';
import { tempDir as makeTempDir } from '../helpers/temp.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN_DIR = join(ROOT, 'node_modules', '.bin');
export const SF_BIN = join(BIN_DIR, 'sf');

export async function tempDir(prefix = 'sfjwt-rel-'): Promise<string> {
  return makeTempDir(prefix);
}

const SF_ENV = {
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
};

/** Point os.homedir() (and so the sf store) at a fresh temporary HOME; `restore()` puts the environment back. */
export async function isolatedHome(): Promise<{ home: string; restore: () => Promise<void> }> {
  const home = await tempDir('sfjwt-home-');
  const saved: Record<string, string | undefined> = {};
  const set = { HOME: home, ...SF_ENV };
  for (const [k, v] of Object.entries(set)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  StateAggregator.clearInstance();
  return {
    home,
    restore: async (): Promise<void> => {
      StateAggregator.clearInstance();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(home, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** The environment of a child `sf` in `home`: the plugin's node first on PATH, sf quiet and offline. */
export function sfEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...SF_ENV, HOME: home, PATH: `${BIN_DIR}:${process.env.PATH ?? ''}` };
  // Inputs, and any proxy of the machine (tests reach only 127.0.0.1), unless a test sets them.
  for (const name of ['SF_JWT_KEY', 'SF_JWT_CLIENT_ID', 'SF_JWT_USERNAME', 'SF_JWT_INSTANCE_URL', 'SF_AUDIENCE_URL', 'NODE_EXTRA_CA_CERTS', 'DEBUG', 'SF_LOG_LEVEL', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'SF_DISABLE_LOG_FILE']) {
    delete env[name];
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export type RunResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean };

/** Spawn asynchronously (the emulator lives in this process) and collect the output. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {}
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    options.onSpawn?.(child);
  });
}

export function sf(home: string, args: string[], extraEnv: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<RunResult> {
  return run(SF_BIN, args, { env: sfEnv(home, extraEnv), cwd: home, timeoutMs });
}

/** `sf plugins link <project root> --no-install` in this HOME. */
export async function linkPlugin(home: string): Promise<void> {
  const result = await sf(home, ['plugins', 'link', ROOT, '--no-install']);
  expect(result.code, `sf plugins link failed: ${result.stderr}`).to.equal(0);
}

/** The JSON printed by `--json` (the last top-level object on stdout). */
export function parseJsonOutput(stdout: string): Record<string, unknown> {
  const start = stdout.indexOf('{');
  expect(start, `no JSON in output: ${stdout.slice(0, 500)}`).to.be.greaterThan(-1);
  return JSON.parse(stdout.slice(start)) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------
// coded errors

const CODES = new Set<string>(ERROR_CODES);

/** `error` is a JwtSetupError with a code of the closed list, a message and actions. */
export function expectCodedError(error: unknown, ...codes: string[]): asserts error is JwtSetupError {
  if (!(error instanceof JwtSetupError)) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    expect.fail(`expected a JwtSetupError, got ${detail}`);
  }
  expect(CODES.has(error.code), `code ${error.code} not in ERROR_CODES`).to.equal(true);
  expect(error.message).to.be.a('string').and.not.equal('');
  if (codes.length > 0) expect(codes, `${error.code}: ${error.message}`).to.include(error.code);
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection');
}

/** Rejects when `promise` takes longer than `ms`: "never a hang". */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// secrets

/** Every `n`-character window of each secret (whitespace removed). */
export function secretWindows(secrets: string[], n = 16): Set<string> {
  const windows = new Set<string>();
  for (const s of secrets) {
    const compact = s.replace(/\s+/g, '');
    for (let i = 0; i + n <= compact.length; i++) windows.add(compact.slice(i, i + n));
  }
  return windows;
}

/** The first base64 run of `text` that shares an `n`-character window with a secret, if any. */
export function findLeak(text: string, windows: Set<string>, n = 16): string | undefined {
  for (const match of text.matchAll(/[A-Za-z0-9+/=_-]{16,}/g)) {
    const candidate = match[0];
    for (let i = 0; i + n <= candidate.length; i++) if (windows.has(candidate.slice(i, i + n))) return candidate;
  }
  return undefined;
}

/** The base64 bodies of a PEM key, as PKCS#8 PEM body, one-line base64 of the PEM, and DER base64. */
export function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('-----'))
    .join('');
}

/** Every way a key could leak, as text to search for verbatim (line by line, 40-char slices of base64 forms). */
export function keyLeakNeedles(pem: string): string[] {
  const lines = pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
  const oneLine = Buffer.from(pem).toString('base64');
  const slices: string[] = [];
  for (let i = 0; i + 40 <= oneLine.length; i += 40) slices.push(oneLine.slice(i, i + 40));
  const body = pemBody(pem);
  for (let i = 0; i + 40 <= body.length; i += 40) slices.push(body.slice(i, i + 40));
  return [...lines, ...slices];
}

// ---------------------------------------------------------------------------------------------------------
// the sf store

/** Every file under the given dirs, path -> bytes (absent dirs are empty). */
export async function snapshotTree(dirs: string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    let entries: Array<import('node:fs').Dirent>;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      // eslint-disable-next-line no-await-in-loop
      if (entry.isDirectory()) await walk(path);
      // eslint-disable-next-line no-await-in-loop
      else if (entry.isFile()) files.set(path, await readFile(path));
    }
  };
  for (const dir of dirs) {
    // eslint-disable-next-line no-await-in-loop
    await walk(dir);
  }
  return files;
}

/** sf's own log files change on every run: the store is everything else. */
export function withoutLogs(files: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...files].filter(([p]) => !/\/\.sf\/sf-[^/]*\.log$/.test(p)));
}

export function expectSameTree(before: Map<string, Buffer>, after: Map<string, Buffer>): void {
  expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
  for (const [path, bytes] of before) {
    expect(after.get(path)?.equals(bytes), `${path} changed`).to.equal(true);
  }
}

export async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

// ---------------------------------------------------------------------------------------------------------
// logins against the emulator

export function loginInputs(emulatorUrl: string, clientId: string, username: string, key: KeyInput): LoginInputs {
  const loginUrl = parseLoginUrl(emulatorUrl);
  return {
    clientId,
    username,
    key,
    loginUrl,
    loginUrlSource: 'flag',
    audiences: audienceCandidates(loginUrl),
    audienceExplicit: false,
    sandbox: false,
  };
}

/** Every access token the emulator issued (its private session table). */
export function issuedTokens(emulator: SalesforceEmulator): string[] {
  const sessions = (emulator as unknown as { sessions: Map<string, unknown> }).sessions;
  return [...sessions.keys()];
}

export function tokenRequests(emulator: SalesforceEmulator): number {
  return emulator.requestLog.filter((e) => e.path === '/services/oauth2/token').length;
}
