/*
 * Push targets as users write them: github:OWNER/REPO (repository secrets), github:OWNER/REPO@ENVIRONMENT
 * (environment secrets), gitlab:GROUP/PROJECT (project CI/CD variables, every environment) and
 * gitlab:GROUP/PROJECT@SCOPE (variables of that environment scope). Parsed whole before anything is asked of an API.
 */
import { jwtError, reason } from '../errors.js';

export type GitHubTarget = {
  platform: 'github';
  /** As given, e.g. github:acme/app@production. */
  spec: string;
  owner: string;
  repo: string;
  environment?: string;
};

export type GitLabTarget = {
  platform: 'gitlab';
  spec: string;
  /** The full path (group/subgroup/project) or the numeric id. */
  project: string;
  /** The environment scope; `*` (every environment) when none is given. */
  scope: string;
};

export type PushTarget = GitHubTarget | GitLabTarget;
export type Platform = PushTarget['platform'];

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const GITLAB_SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function refuse(spec: string, why: string): never {
  throw jwtError('InvalidPushTarget', [spec, why], [spec]);
}

function splitAt(rest: string): [string, string | undefined] {
  const at = rest.indexOf('@');
  return at < 0 ? [rest, undefined] : [rest.slice(0, at), rest.slice(at + 1)];
}

export function parseTarget(spec: string): PushTarget {
  const colon = spec.indexOf(':');
  if (colon < 0) refuse(spec, reason('push.target.form'));
  const platform = spec.slice(0, colon).toLowerCase();
  const [path, qualifier] = splitAt(spec.slice(colon + 1));
  if (platform === 'github') {
    const parts = path.split('/');
    if (parts.length !== 2 || !OWNER.test(parts[0]) || !REPO.test(parts[1]) || parts[1] === '.' || parts[1] === '..') {
      refuse(spec, reason('push.target.githubRepo'));
    }
    if (qualifier !== undefined && (qualifier.length === 0 || qualifier.length > 255 || CONTROL.test(qualifier))) {
      refuse(spec, reason('push.target.environment'));
    }
    return {
      platform: 'github',
      spec,
      owner: parts[0],
      repo: parts[1].replace(/\.git$/, ''),
      ...(qualifier !== undefined ? { environment: qualifier } : {}),
    };
  }
  if (platform === 'gitlab') {
    const parts = path.split('/');
    const numeric = /^[1-9][0-9]*$/.test(path);
    if (!numeric && (parts.length < 2 || !parts.every((p) => GITLAB_SEGMENT.test(p)))) {
      refuse(spec, reason('push.target.gitlabProject'));
    }
    if (qualifier !== undefined && (qualifier.length === 0 || qualifier.length > 255 || /[\s]/.test(qualifier))) {
      refuse(spec, reason('push.target.scope'));
    }
    return { platform: 'gitlab', spec, project: path.replace(/\.git$/, ''), scope: qualifier ?? '*' };
  }
  return refuse(spec, reason('push.target.platform'));
}

/** Parse every target; the same target given twice counts once. */
export function parseTargets(specs: readonly string[]): PushTarget[] {
  const seen = new Set<string>();
  const targets: PushTarget[] = [];
  for (const spec of specs) {
    const target = parseTarget(spec.trim());
    const key = targetKey(target);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(target);
  }
  return targets;
}

function targetKey(target: PushTarget): string {
  return target.platform === 'github'
    ? `github:${target.owner.toLowerCase()}/${target.repo.toLowerCase()}@${target.environment ?? ''}`
    : `gitlab:${target.project.toLowerCase()}@${target.scope}`;
}

/** What a target holds, for messages and plans: "repository secrets", "environment secrets of production", ... */
export function targetKind(target: PushTarget): string {
  if (target.platform === 'github') {
    return target.environment ? reason('push.kind.environment', [target.environment]) : reason('push.kind.repository');
  }
  return target.scope === '*' ? reason('push.kind.variables') : reason('push.kind.scopedVariables', [target.scope]);
}
