/*
 * GitLab's project-level CI/CD variables API (REST v4, under /api/v4) on 127.0.0.1, as gitlabhq's
 * lib/api/ci/variables.rb, lib/api/helpers/variables_helpers.rb and app/models/concerns/ci/maskable.rb define it:
 *   401 {"message":"401 Unauthorized"} without a valid PRIVATE-TOKEN (or Bearer) token;
 *   404 {"message":"404 Project Not Found"} for a project the token's user cannot see; 403 {"message":"403 Forbidden"}
 *       for the variables of a project where the user is below Maintainer (admin_build);
 *   GET/PUT/DELETE /projects/:id/variables/:key pick the variable by key and filter[environment_scope]; several
 *       matches: 409 {"message":"There are multiple variables with provided parameters. Please use
 *       'filter[environment_scope]'"}; none: 404 {"message":"404 Variable Not Found"};
 *   POST validates: key [a-zA-Z0-9_]{1,255} ({"message":{"key":["can contain only letters, digits and '_'."]}}),
 *       unique per environment scope ({"message":{"key":["(KEY) has already been taken"]}}), masked values
 *       ({"message":{"value":["is invalid"]}}): raw and masked: \S{8,} (MASK_AND_RAW_REGEX); masked and expanded:
 *       [a-zA-Z0-9_+=/@:.~-]{8,} (REGEX); errors are HTTP 400;
 *   :id is the numeric id or the URL-encoded full path. Variables hold their values in clear (tests read them).
 */
import { LoopbackServer, type Answer, type Request } from './server.js';

export type GitLabAccess = 'guest' | 'reporter' | 'developer' | 'maintainer' | 'owner';

export type GitLabProject = { path: string; id?: number };

export type GitLabToken = {
  token: string;
  /** project path -> the user's role there ("*": every project). */
  projects: Record<string, GitLabAccess>;
};

export type GitLabEmulatorOptions = { projects?: GitLabProject[]; tokens?: GitLabToken[]; port?: number };

export type GitLabVariable = {
  variable_type: 'env_var' | 'file';
  key: string;
  value: string;
  protected: boolean;
  masked: boolean;
  hidden: boolean;
  raw: boolean;
  environment_scope: string;
  description: string | null;
};

type Project = { id: number; path: string; variables: GitLabVariable[] };

const LEVEL: Record<GitLabAccess, number> = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 };
const KEY = /^[a-zA-Z0-9_]{1,255}$/;
export const MASKABLE = /^[a-zA-Z0-9_+=/@:.~-]{8,}$/;
export const MASKABLE_RAW = /^\S{8,}$/;
const MULTIPLE = "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'";

const message = (status: number, text: unknown): Answer => ({ status, body: { message: text } });
const bool = (v: unknown): boolean | undefined =>
  v === undefined ? undefined : v === true || v === 'true' || v === 1 || v === '1';

export class GitLabVariablesEmulator extends LoopbackServer {
  private readonly projects = new Map<string, Project>();
  private readonly tokens = new Map<string, GitLabToken>();
  private nextId = 100;

  public constructor(options: GitLabEmulatorOptions = {}) {
    super(options.port);
    for (const p of options.projects ?? []) this.addProject(p);
    for (const t of options.tokens ?? []) this.addToken(t);
  }

  /** The API base (CI_API_V4_URL). */
  public get apiUrl(): string {
    return `${this.url}/api/v4`;
  }

  public addProject(p: GitLabProject): void {
    const id = p.id ?? this.nextId++;
    this.projects.set(p.path.toLowerCase(), { id, path: p.path, variables: [] });
  }

  public addToken(t: GitLabToken): void {
    this.tokens.set(t.token, t);
  }

  /** A project's variables (copies), or one variable by key and scope. */
  public variables(path: string): GitLabVariable[] {
    return (this.projects.get(path.toLowerCase())?.variables ?? []).map((v) => ({ ...v }));
  }

  public variable(path: string, key: string, scope = '*'): GitLabVariable | undefined {
    return this.variables(path).find((v) => v.key === key && v.environment_scope === scope);
  }

  /** Put a variable in place directly (a project that already has some). */
  public seedVariable(path: string, variable: Partial<GitLabVariable> & { key: string; value: string }): void {
    const project = this.projects.get(path.toLowerCase());
    if (!project) throw new Error(`no project ${path}`);
    project.variables.push({
      variable_type: 'env_var',
      protected: false,
      masked: false,
      hidden: false,
      raw: false,
      environment_scope: '*',
      description: null,
      ...variable,
    });
  }

  protected handle(req: Request): Answer {
    const header =
      req.headers['private-token'] ?? /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = typeof header === 'string' ? this.tokens.get(header.trim()) : undefined;
    if (!token) return message(401, '401 Unauthorized');
    const match = /^\/api\/v4\/projects\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!match) return message(404, '404 Not Found');
    const idOrPath = decodeURIComponent(match[1]);
    const project = /^\d+$/.test(idOrPath)
      ? [...this.projects.values()].find((p) => p.id === Number(idOrPath))
      : this.projects.get(idOrPath.toLowerCase());
    const role = project ? (token.projects[project.path] ?? token.projects['*']) : undefined;
    if (!project || !role) return message(404, '404 Project Not Found');
    const rest = (match[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
    if (rest.length === 0 && req.method === 'GET') {
      return {
        status: 200,
        body: {
          id: project.id,
          path_with_namespace: project.path,
          name: project.path.split('/').pop(),
          permissions: { project_access: { access_level: LEVEL[role] } },
        },
      };
    }
    if (rest[0] !== 'variables' || rest.length > 2) return message(404, '404 Not Found');
    if (LEVEL[role] < LEVEL.maintainer) return message(403, '403 Forbidden');
    if (req.malformed) return { status: 400, body: { error: 'The provided content-type is not supported.' } };
    const params: Record<string, unknown> = { ...Object.fromEntries(req.query), ...(req.body ?? {}) };
    const bodyFilter = (req.body?.filter as { environment_scope?: unknown } | undefined)?.environment_scope;
    const scopeFilter =
      req.query.get('filter[environment_scope]') ?? (typeof bodyFilter === 'string' ? bodyFilter : undefined);

    if (rest.length === 1) {
      if (req.method === 'GET') return { status: 200, body: project.variables.map(present) };
      if (req.method === 'POST') return this.create(project, params);
      return message(405, '405 Method Not Allowed');
    }
    const key = rest[1];
    const found = project.variables.filter(
      (v) => v.key === key && (scopeFilter === undefined || v.environment_scope === scopeFilter),
    );
    if (found.length > 1) return message(409, MULTIPLE);
    const variable = found[0];
    if (!variable) return message(404, '404 Variable Not Found');
    switch (req.method) {
      case 'GET':
        return { status: 200, body: present(variable) };
      case 'PUT':
        return this.update(project, variable, params);
      case 'DELETE':
        project.variables.splice(project.variables.indexOf(variable), 1);
        return { status: 204 };
      default:
        return message(405, '405 Method Not Allowed');
    }
  }

  private create(project: Project, params: Record<string, unknown>): Answer {
    if (typeof params.key !== 'string') return { status: 400, body: { error: 'key is missing' } };
    if (typeof params.value !== 'string') return { status: 400, body: { error: 'value is missing' } };
    const type = params.variable_type ?? 'env_var';
    if (type !== 'env_var' && type !== 'file') {
      return { status: 400, body: { error: 'variable_type does not have a valid value' } };
    }
    const hidden = bool(params.masked_and_hidden) ?? false;
    const variable: GitLabVariable = {
      variable_type: type,
      key: params.key.trim(),
      value: params.value,
      protected: bool(params.protected) ?? false,
      masked: hidden || (bool(params.masked) ?? false),
      hidden,
      raw: bool(params.raw) ?? false,
      environment_scope: typeof params.environment_scope === 'string' ? params.environment_scope : '*',
      description: typeof params.description === 'string' ? params.description : null,
    };
    const problems = validate(project, variable);
    if (problems) return message(400, problems);
    project.variables.push(variable);
    return { status: 201, body: present(variable) };
  }

  private update(project: Project, variable: GitLabVariable, params: Record<string, unknown>): Answer {
    const next: GitLabVariable = { ...variable };
    if (typeof params.value === 'string') next.value = params.value;
    for (const flag of ['protected', 'masked', 'raw'] as const) {
      const v = bool(params[flag]);
      if (v !== undefined) next[flag] = v;
    }
    if (variable.hidden && !next.masked) return message(400, { masked: ['cannot be unset for a hidden variable'] });
    if (typeof params.environment_scope === 'string') next.environment_scope = params.environment_scope;
    if (params.variable_type === 'env_var' || params.variable_type === 'file')
      next.variable_type = params.variable_type;
    const problems = validate(project, next, variable);
    if (problems) return message(400, problems);
    Object.assign(variable, next);
    return { status: 200, body: present(variable) };
  }
}

function validate(project: Project, v: GitLabVariable, self?: GitLabVariable): Record<string, string[]> | undefined {
  const problems: Record<string, string[]> = {};
  if (!KEY.test(v.key)) problems.key = ["can contain only letters, digits and '_'."];
  else if (
    project.variables.some((o) => o !== self && o.key === v.key && o.environment_scope === v.environment_scope)
  ) {
    problems.key = [`(${v.key}) has already been taken`];
  }
  if (v.masked && !(v.raw ? MASKABLE_RAW : MASKABLE).test(v.value)) problems.value = ['is invalid'];
  return Object.keys(problems).length ? problems : undefined;
}

function present(v: GitLabVariable): Record<string, unknown> {
  return { ...v, value: v.hidden ? null : v.value };
}
