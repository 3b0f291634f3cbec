/*
 * The one list of environment variables the tests set and clear, for the test process (isolatedHome) and for every
 * child process (the plugin's bin/run.js, the real sf): sf kept quiet and offline, the plugin's inputs and the
 * machine's proxies, CI markers and debug switches cleared, so nothing of the caller's environment leaks in.
 */
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN_DIR = join(ROOT, 'node_modules', '.bin');
export const SF_BIN = join(BIN_DIR, 'sf');

/** sf quiet and offline: its own key file instead of a keychain, no telemetry, no updater, no DNS waits. */
export const SF_ENV: Readonly<Record<string, string>> = {
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
  SF_HIDE_RELEASE_NOTES: 'true',
};

/** Cleared unless a test sets them: what the plugin reads, CI markers, proxies, debug switches, XDG folders. */
export const CLEARED_ENV: readonly string[] = [
  'SF_JWT_KEY',
  'SF_JWT_CLIENT_ID',
  'SF_JWT_USERNAME',
  'SF_JWT_INSTANCE_URL',
  'SF_AUDIENCE_URL',
  'SF_ORG_METADATA_REST_DEPLOY',
  'GITHUB_ACTIONS',
  // --push: tokens and API bases of the CI secret stores (never a developer's real ones in a test)
  'GH_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_API_URL',
  'GITLAB_TOKEN',
  'CI_API_V4_URL',
  'GITHUB_STEP_SUMMARY',
  'RUNNER_TEMP',
  'AGENT_TEMPDIRECTORY',
  'NODE_EXTRA_CA_CERTS',
  'DEBUG',
  'SF_LOG_LEVEL',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
  'XDG_DATA_HOME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
];

/**
 * The environment of a child process in `home`: the project's node and sf first on PATH, sf quiet, the cleared list
 * removed; `extra` sets (or, with undefined, removes) anything on top. The test process keeps sf's logger in memory
 * (test/setup.ts); children keep sf's default log file.
 */
export function childEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...SF_ENV,
    HOME: home,
    PATH: `${BIN_DIR}:${process.env.PATH ?? ''}`,
  };
  for (const name of [...CLEARED_ENV, 'SF_DISABLE_LOG_FILE']) delete env[name];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
