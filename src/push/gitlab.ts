/*
 * GitLab project CI/CD variables (REST v4, PRIVATE-TOKEN):
 *   GET  /projects/:id                                   the project is visible to the token (else 404)
 *   GET  /projects/:id/variables?per_page=1              the token may manage variables (Maintainer; else 403)
 *   GET  /projects/:id/variables/:key?filter[environment_scope]=S   the variable of this scope, if any
 *   POST /projects/:id/variables {key, value, …}          created (201)
 *   PUT  /projects/:id/variables/:key?filter[…]=S         updated (200); without the filter GitLab answers 409
 *                                                         when the key exists in several scopes
 *   DELETE /projects/:id/variables/:key?filter[…]=S       undo of a variable this run created
 * Every variable is written `raw` (no $ expansion), `protected` unless --no-protected, and `masked` when its value
 * qualifies. The previous value of an updated variable is read first, so an undo puts back exactly what was there.
 */
import { reason } from '../errors.js';
import type { ApiClient } from './api.js';
import { gitlabMaskable, platformValue, type Secret } from './names.js';
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
import type { GitLabTarget } from './targets.js';

type Variable = {
  key: string;
  value: string | null;
  protected: boolean;
  masked: boolean;
  raw?: boolean;
  hidden?: boolean;
  variable_type?: string;
  environment_scope?: string;
};

export class GitLabVariables implements SecretStore {
  /** What each variable this run updated held before (kept in memory only, for an undo). */
  readonly #before = new Map<string, Variable>();

  public constructor(
    public readonly target: GitLabTarget,
    public readonly client: ApiClient,
    private readonly protect: boolean,
  ) {}

  private get projectPath(): string {
    return `/projects/${encodeURIComponent(this.target.project)}`;
  }

  private get filter(): Record<string, string> {
    return { 'filter[environment_scope]': this.target.scope };
  }

  public async check(): Promise<void> {
    const project = await preflightCall(this.client, () => this.client.call({ method: 'GET', path: this.projectPath }));
    if (project.status !== 200) throw refusal(this.client, this.target, project, reason('push.notFound.gitlab'));
    const list = await preflightCall(this.client, () =>
      this.client.call({ method: 'GET', path: `${this.projectPath}/variables`, query: { per_page: '1' } }),
    );
    if (list.status !== 200) throw refusal(this.client, this.target, list, reason('push.notFound.gitlab'));
  }

  public async write(secret: Secret): Promise<WriteResult> {
    const value = platformValue(secret, 'gitlab');
    const before = await this.current(secret.name);
    if (before) this.#before.set(secret.name, before);
    const masked = gitlabMaskable(value);
    const attributes: Partial<Variable> = { protected: this.protect, raw: true };
    // A hidden variable stays masked and hidden (GitLab refuses to unmask it); otherwise masked when it qualifies.
    if (!before?.hidden) attributes.masked = masked;
    const saved = await this.set(secret.name, value, before !== undefined, attributes);
    if (saved?.key !== undefined && saved.key !== secret.name) {
      throw new WriteFailure(reason('push.failure.readBack', [before ? 200 : 201]));
    }
    return {
      name: secret.name,
      result: before ? 'updated' : 'created',
      masked: saved?.masked ?? attributes.masked ?? false,
      protected: saved?.protected ?? this.protect,
    };
  }

  public async undo(written: WriteResult, oldValue?: Secret): Promise<UndoResult> {
    if (written.result === 'created') {
      const answer = await writeCall(() =>
        this.client.call({ method: 'DELETE', path: this.variablePath(written.name), query: this.filter }),
      );
      if (answer.status !== 204 && answer.status !== 404) throw failureOf(this.client, answer);
      return 'deleted';
    }
    const before = this.#before.get(written.name);
    const value = before?.value ?? (oldValue ? platformValue(oldValue, 'gitlab') : undefined);
    if (value === undefined || value === null) return 'unknown-old-value';
    const attributes: Partial<Variable> = { protected: before?.protected ?? this.protect, raw: before?.raw ?? true };
    if (!before?.hidden) attributes.masked = before ? before.masked : gitlabMaskable(value);
    await this.set(written.name, value, true, attributes);
    return 'restored';
  }

  private async current(key: string): Promise<Variable | undefined> {
    const answer = await writeCall(() =>
      this.client.call({ method: 'GET', path: this.variablePath(key), query: this.filter }),
    );
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw failureOf(this.client, answer);
    return answer.body as Variable;
  }

  private async set(key: string, value: string, exists: boolean, attributes: Partial<Variable>): Promise<Variable> {
    const answer = await writeCall(() =>
      exists
        ? this.client.call({
            method: 'PUT',
            path: this.variablePath(key),
            query: this.filter,
            body: { value, ...attributes },
          })
        : this.client.call({
            method: 'POST',
            path: `${this.projectPath}/variables`,
            body: { key, value, environment_scope: this.target.scope, variable_type: 'env_var', ...attributes },
          }),
    );
    if (answer.status !== (exists ? 200 : 201)) throw failureOf(this.client, answer);
    return answer.body as Variable;
  }

  private variablePath(key: string): string {
    return `${this.projectPath}/variables/${encodeURIComponent(key)}`;
  }
}
