/*
 * Helpers shared by the unit and command tests: temporary folders, an isolated sf home, running a command in-process
 * with its output captured, coded-error assertions, directory snapshots and openssl.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { StateAggregator, ConfigAggregator } from '@salesforce/core';
import { expect } from 'chai';
import { ERROR_CODES, errorName, JwtSetupError, type ErrorCode } from '../../src/errors.js';
import { tempDir as makeTempDir } from '../helpers/temp.js';

export const OPENSSL = '/usr/bin/openssl';
export const HAS_OPENSSL = existsSync(OPENSSL) && spawnSync(OPENSSL, ['version']).status === 0;
export const SSH_KEYGEN = ['/usr/bin/ssh-keygen', '/bin/ssh-keygen'].find((p) => existsSync(p));
export const CURL = ['/usr/bin/curl', '/bin/curl'].find((p) => existsSync(p));

const execFileAsync = promisify(execFile);

/** openssl with arguments; resolves with stdout, rejects with stderr on a non-zero exit. */
export async function openssl(args: string[], options: { cwd?: string } = {}): Promise<string> {
  const { stdout } = await execFileAsync(OPENSSL, args, { cwd: options.cwd, encoding: 'utf8' });
  return stdout;
}

export async function tempDir(prefix = 'sfjwt-test-'): Promise<string> {
  return makeTempDir(prefix);
}

/** A consumer key shaped like a real one (3MVG + 81 characters). */
export const CONSUMER_KEY = '3MVG9' + 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'.repeat(2) + 'abcdefghij';

const SF_ENV: Record<string, string> = {
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
};

/** Variables the plugin reads: cleared for every test so the caller's environment cannot leak in. */
const PLUGIN_ENV = [
  'SF_JWT_KEY',
  'SF_JWT_CLIENT_ID',
  'SF_JWT_USERNAME',
  'SF_JWT_INSTANCE_URL',
  'SF_AUDIENCE_URL',
  'GITHUB_ACTIONS',
  'GITHUB_STEP_SUMMARY',
  'RUNNER_TEMP',
  'AGENT_TEMPDIRECTORY',
];

export type Home = { home: string; setEnv: (name: string, value: string | undefined) => void; restore: () => Promise<void> };

/** A fresh HOME (so ~/.sfdx and ~/.sf are private to the test) and a clean plugin environment; restore() undoes it. */
export async function isolatedHome(): Promise<Home> {
  const home = await tempDir('sfjwt-home-');
  const saved = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string | undefined): void => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  setEnv('HOME', home);
  for (const [k, v] of Object.entries(SF_ENV)) setEnv(k, v);
  for (const k of PLUGIN_ENV) setEnv(k, undefined);
  StateAggregator.clearInstance();
  await ConfigAggregator.clearInstance();
  return {
    home,
    setEnv,
    restore: async (): Promise<void> => {
      StateAggregator.clearInstance();
      await ConfigAggregator.clearInstance();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(home, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

type Runnable = { run(argv: string[]): Promise<unknown> };

export type Ran<R> = { result?: R; error?: Error & { code?: string; actions?: string[] }; stdout: string; stderr: string; exitCode: number | string | undefined };

/** Run a command in-process with stdout/stderr captured; process.exitCode is put back afterwards (and reported). */
export async function runCommand<R>(command: Runnable, args: string[]): Promise<Ran<R>> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  let exitCode: number | string | undefined;
  try {
    const result = (await command.run(args)) as R;
    exitCode = process.exitCode;
    return { result, stdout, stderr, exitCode };
  } catch (error) {
    exitCode = process.exitCode;
    return { error: error as Error & { code?: string }, stdout, stderr, exitCode };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = before;
  }
}

/** A command failure (an SfCommandError wrapping a JwtSetupError): name `<Code>Error`, code `<Code>`, some actions. */
export function expectCommandError(ran: Ran<unknown>, code: string): void {
  expect(ran.error, `expected ${code}, got result ${JSON.stringify(ran.result)}`).to.not.equal(undefined);
  const error = ran.error!;
  expect(error.name, error.message).to.equal(errorName(code as ErrorCode));
  expect(error.code).to.equal(code);
  expect((error.actions ?? []).length).to.be.greaterThan(0);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection');
}

/** The error a function throws (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an exception');
}

const CODES = new Set<string>(ERROR_CODES);

/** `error` is the JwtSetupError `code`, with name `<code>Error`, a message and at least one action. */
export function expectCoded(error: unknown, code: string): asserts error is JwtSetupError {
  if (!(error instanceof JwtSetupError)) {
    expect.fail(`expected JwtSetupError ${code}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  expect(CODES.has(code), `${code} is not an ERROR_CODE`).to.equal(true);
  expect(error.errorCode, error.message).to.equal(code);
  expect(error.code).to.equal(code);
  expect(error.name).to.equal(errorName(code as ErrorCode));
  expect(error.message).to.be.a('string').and.not.equal('');
  expect((error.actions ?? []).length).to.be.greaterThan(0);
}

/** relative path -> sha256 of every file under `dir` (recursive). */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    // eslint-disable-next-line no-await-in-loop
    out[relative(dir, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}
