/* Tools some tests compare with or drive: openssl, ssh-keygen, curl; and a consumer key shaped like a real one. */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

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

/** A consumer key shaped like a real one (3MVG + 81 characters). */
export const CONSUMER_KEY = '3MVG9' + 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'.repeat(2) + 'abcdefghij';
