/*
 * The secret-store emulators as a process:
 *   node --import tsx test/emulator/secrets/cli.ts [--config file.json]
 * The config is {"github": GitHubEmulatorOptions, "gitlab": GitLabEmulatorOptions} (either may be left out; both
 * start). Prints one line, {"github":"<GITHUB_API_URL>","gitlab":"<CI_API_V4_URL>","pid":N}, then serves until
 * SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  GitHubSecretsEmulator,
  GitLabVariablesEmulator,
  type GitHubEmulatorOptions,
  type GitLabEmulatorOptions,
} from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  const config = (values.config ? JSON.parse(readFileSync(values.config, 'utf8')) : {}) as {
    github?: GitHubEmulatorOptions;
    gitlab?: GitLabEmulatorOptions;
  };
  const github = new GitHubSecretsEmulator(config.github);
  const gitlab = new GitLabVariablesEmulator(config.gitlab);
  await github.start();
  await gitlab.start();
  process.stdout.write(`${JSON.stringify({ github: github.url, gitlab: gitlab.apiUrl, pid: process.pid })}\n`);
  const stop = (): void => {
    void Promise.all([github.stop(), gitlab.stop()]).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`secret-store emulators: ${(error as Error).message}\n`);
  process.exit(2);
});
