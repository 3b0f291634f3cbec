/*
 * Run the real sf CLI (@salesforce/cli from devDependencies) with this plugin linked, in a temporary HOME.
 * Always asynchronous: the emulator runs in the test process, so a synchronous child would deadlock it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(PROJECT_ROOT, 'node_modules', '.bin');

export type SfRun = { code: number; stdout: string; stderr: string; json?: { status: number; result?: Record<string, unknown>; name?: string; message?: string } };

export class SfSandbox {
  private constructor(public readonly home: string) {}

  public static async create(): Promise<SfSandbox> {
    const home = await mkdtemp(join(tmpdir(), 'sf-jwt-setup-it-'));
    const sandbox = new SfSandbox(home);
    const linked = await sandbox.run(['plugins', 'link', PROJECT_ROOT, '--no-install']);
    if (linked.code !== 0) throw new Error(`sf plugins link failed: ${linked.stderr}`);
    return sandbox;
  }

  public env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: this.home,
      PATH: `${BIN}:${process.env.PATH ?? ''}`,
      SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
      SF_DISABLE_TELEMETRY: 'true',
      SF_DISABLE_AUTOUPDATE: 'true',
      SF_SKIP_NEW_VERSION_CHECK: 'true',
      SF_DISABLE_DNS_CHECK: 'true',
      SF_JSON_TO_STDOUT: 'true',
      ...extra,
    };
    for (const name of ['SF_JWT_KEY', 'SF_JWT_CLIENT_ID', 'SF_JWT_USERNAME', 'SF_JWT_INSTANCE_URL', 'SF_AUDIENCE_URL', 'GITHUB_ACTIONS', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'SF_DISABLE_LOG_FILE']) {
      if (!(name in extra)) delete env[name];
    }
    return env;
  }

  public run(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<SfRun> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(join(BIN, 'sf'), args, { cwd: options.cwd ?? this.home, env: this.env(options.env) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        let json: SfRun['json'];
        if (args.includes('--json')) {
          try {
            json = JSON.parse(stdout) as SfRun['json'];
          } catch {
            json = undefined;
          }
        }
        resolvePromise({ code: code ?? -1, stdout, stderr, json });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  public async dispose(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }
}
