/*
 * The CI secret stores `--push` writes to: GitHub's Actions secrets (github.ts) and GitLab's project variables
 * (gitlab.ts), each a loopback server of its own (server.ts), startable alone:
 *
 *   const gh = new GitHubSecretsEmulator({ repos: [{ owner: 'acme', repo: 'app' }], tokens: [{ token: 't', repos: ['acme/app'] }] });
 *   await gh.start();   // GITHUB_API_URL=gh.url, GH_TOKEN=t
 *   const gl = new GitLabVariablesEmulator({ projects: [{ path: 'acme/app' }], tokens: [{ token: 'g', projects: { 'acme/app': 'maintainer' } }] });
 *   await gl.start();   // CI_API_V4_URL=gl.apiUrl, GITLAB_TOKEN=g
 *
 * or as a process: node --import tsx test/emulator/secrets/cli.ts --config secrets.json
 */
export { GitHubSecretsEmulator, MAX_SECRET_BYTES } from './github.js';
export type { GitHubEmulatorOptions, GitHubRepo, GitHubToken, StoredSecret } from './github.js';
export { GitLabVariablesEmulator, MASKABLE, MASKABLE_RAW } from './gitlab.js';
export type { GitLabEmulatorOptions, GitLabProject, GitLabToken, GitLabAccess, GitLabVariable } from './gitlab.js';
export type { LogEntry, WriteFault } from './server.js';
