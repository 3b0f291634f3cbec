/*
 * GitHub Actions secrets (REST, X-GitHub-Api-Version 2022-11-28): a repository's secrets, or an environment's.
 *   GET  /repos/{owner}/{repo}                                 the repository is visible to the token (else 404)
 *   GET  …/actions/secrets/public-key                           {key_id, key}: the X25519 key values are sealed to
 *   GET  …/environments/{environment}/secrets/public-key        (the same for an environment)
 *   PUT  …/secrets/{name} {encrypted_value, key_id}             201 created, 204 updated
 *   GET  …/secrets/{name}                                       {name, created_at, updated_at}: confirms the write
 *   DELETE …/secrets/{name}                                     204 (undo of a secret this run created)
 * Values are never readable back; the login verified before the push is the proof that the key works.
 */
import { reason } from '../errors.js';
import type { ApiClient } from './api.js';
import { platformValue, valueProblem, type Secret } from './names.js';
import { BadPublicKey, sealForGitHub } from './seal.js';
import {
  failureOf,
  preflightCall,
  refusal,
  WriteFailure,
  writeCall,
  type SecretStore,
  type UndoResult,
  type WriteResult,
} from './store.js';
import type { GitHubTarget } from './targets.js';

type PublicKey = { key_id: string; key: string };

export class GitHubSecrets implements SecretStore {
  private publicKey?: PublicKey;

  public constructor(
    public readonly target: GitHubTarget,
    public readonly client: ApiClient,
  ) {}

  private get repoPath(): string {
    return `/repos/${encodeURIComponent(this.target.owner)}/${encodeURIComponent(this.target.repo)}`;
  }

  private get secretsPath(): string {
    return this.target.environment
      ? `${this.repoPath}/environments/${encodeURIComponent(this.target.environment)}/secrets`
      : `${this.repoPath}/actions/secrets`;
  }

  public async check(): Promise<void> {
    const repo = await preflightCall(this.client, () => this.client.call({ method: 'GET', path: this.repoPath }));
    if (repo.status !== 200) throw refusal(this.client, this.target, repo, reason('push.notFound.github'));
    const key = await preflightCall(this.client, () =>
      this.client.call({ method: 'GET', path: `${this.secretsPath}/public-key` }),
    );
    if (key.status !== 200) {
      const why = this.target.environment
        ? reason('push.notFound.githubEnvironment', [this.target.environment])
        : reason('push.notFound.github');
      throw refusal(this.client, this.target, key, why);
    }
  }

  public async write(secret: Secret): Promise<WriteResult> {
    const result = await this.put(secret.name, platformValue(secret, 'github'));
    // Confirm: the secret's metadata, read back.
    const read = await writeCall(() =>
      this.client.call({ method: 'GET', path: `${this.secretsPath}/${encodeURIComponent(secret.name)}` }),
    );
    const body = read.body as { updated_at?: unknown } | undefined;
    if (read.status !== 200 || typeof body?.updated_at !== 'string') {
      throw new WriteFailure(reason('push.failure.readBack', [read.status]));
    }
    return { name: secret.name, result, updatedAt: body.updated_at };
  }

  public async undo(written: WriteResult, oldValue?: Secret): Promise<UndoResult> {
    if (written.result === 'created') {
      const answer = await writeCall(() =>
        this.client.call({ method: 'DELETE', path: `${this.secretsPath}/${encodeURIComponent(written.name)}` }),
      );
      if (answer.status !== 204 && answer.status !== 404) throw failureOf(this.client, answer);
      return 'deleted';
    }
    if (!oldValue) return 'unknown-old-value';
    await this.put(written.name, platformValue(oldValue, 'github'));
    return 'restored';
  }

  private async key(): Promise<PublicKey> {
    if (this.publicKey) return this.publicKey;
    const answer = await writeCall(() => this.client.call({ method: 'GET', path: `${this.secretsPath}/public-key` }));
    const body = answer.body as Partial<PublicKey> | undefined;
    if (answer.status !== 200 || typeof body?.key !== 'string' || typeof body.key_id !== 'string') {
      throw failureOf(this.client, answer);
    }
    this.publicKey = { key_id: body.key_id, key: body.key };
    return this.publicKey;
  }

  private async put(name: string, value: string): Promise<'created' | 'updated'> {
    const problem = valueProblem(value, 'github');
    if (problem) throw new WriteFailure(problem);
    const key = await this.key();
    let sealed: string;
    try {
      sealed = await sealForGitHub(value, key.key);
    } catch (error) {
      if (error instanceof BadPublicKey) throw new WriteFailure(reason('push.failure.publicKey', [error.message]));
      throw error;
    }
    const answer = await writeCall(() =>
      this.client.call({
        method: 'PUT',
        path: `${this.secretsPath}/${encodeURIComponent(name)}`,
        body: { encrypted_value: sealed, key_id: key.key_id },
      }),
    );
    if (answer.status === 201) return 'created';
    if (answer.status === 204) return 'updated';
    throw failureOf(this.client, answer);
  }
}
