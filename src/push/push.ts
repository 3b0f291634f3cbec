/*
 * Pushing a pipeline's secrets straight into its CI's secret store, never showing them.
 *
 *   checkPush    the pre-flight: targets parsed, a token for each platform, names within each platform's rules,
 *                every target visible and writable as far as a read can tell. Reads only; refusals are coded
 *                (InvalidPushTarget, PushTokenMissing, InvalidSecretName, PushApiFailed, PushTargetNotFound,
 *                PushForbidden) and come before the caller changes anything.
 *   pushSecrets  every org's secrets to every target, in order, stopping at the first failure; the report names,
 *                per target, what was written (created or updated) and what was not. It never throws for a failed
 *                write: the caller decides (bootstrap ends SecretPushFailed; rotate rolls back first).
 *   undo         puts back what this push changed: deletes what it created, restores what it updated where the old
 *                value is known (GitLab: read before the write; GitHub: only what the caller knows, e.g. the old key).
 *
 * Plain options in, plain data out (no flags): bootstrap, rotate and a fleet rotation (one entry per org in `orgs`)
 * use the same functions. Values live only in memory: the report, events and errors carry names, never values.
 */
import { jwtError, reason, type JwtSetupError } from '../errors.js';
import { apiClientFor, type ApiClient } from './api.js';
import { GitHubSecrets } from './github.js';
import { GitLabVariables } from './gitlab.js';
import { nameProblem, nameRules, platformValue, valueProblem, type Secret, type SecretNaming } from './names.js';
import { WriteFailure, type SecretStore, type WriteResult } from './store.js';
import { parseTargets, targetKind, type Platform, type PushTarget } from './targets.js';

/** --push and its companions, as plain options (src/cli/push-flags.ts maps the flags). */
export type PushSettings = {
  targets: string[];
  naming?: SecretNaming;
  /** GitLab: protected variables (default true). */
  protected?: boolean;
  /** Tokens and API bases (default process.env). */
  env?: NodeJS.ProcessEnv;
};

export type PushCheckOptions = {
  /** As users write them: github:OWNER/REPO[@ENVIRONMENT], gitlab:GROUP/PROJECT[@SCOPE]. */
  targets: readonly string[];
  /** Every name the push may write (prefix and suffix applied). */
  names: readonly string[];
  /** GitLab: write protected variables (default true; false for --no-protected). */
  protected?: boolean;
  /** Tokens and API bases: GH_TOKEN/GITHUB_TOKEN, GITHUB_API_URL, GITLAB_TOKEN, CI_API_V4_URL (default process.env). */
  env?: NodeJS.ProcessEnv;
};

export type PushCheck = {
  targets: PushTarget[];
  stores: SecretStore[];
  names: string[];
};

export type OrgSecrets = {
  /** The org these secrets log in to (a fleet's entry name, or the target org): for reports only. */
  org?: string;
  secrets: Secret[];
};

export type PushedSecret = WriteResult & { org?: string };

export type PushedTarget = {
  target: string;
  platform: Platform;
  /** What the target holds: repository secrets, environment secrets of X, CI/CD variables … */
  kind: string;
  written: PushedSecret[];
  notWritten: string[];
  /** GitLab: names written unmasked, because their values do not qualify for masking. */
  unmasked: string[];
};

export type PushFailure = { target: string; name: string; reason: string };

export type PushReport = { targets: PushedTarget[]; failure?: PushFailure };

export type UndoReport = {
  undone: Array<{ target: string; name: string; action: 'deleted' | 'restored' }>;
  notUndone: Array<{ target: string; name: string; reason: string }>;
};

export type PushOutcome = {
  report: PushReport;
  /** Put back what this push wrote; `known`: old values the caller knows (by name), e.g. the old key. */
  undo(known?: Secret[]): Promise<UndoReport>;
};

export type PushEvent = { type: 'secret-written'; target: string; name: string; result: 'created' | 'updated' };

/** The pre-flight of a push; reads only. */
export async function checkPush(options: PushCheckOptions): Promise<PushCheck> {
  const env = options.env ?? process.env;
  const targets = parseTargets(options.targets);
  const clients = new Map<Platform, ApiClient>();
  for (const target of targets) {
    if (!clients.has(target.platform)) clients.set(target.platform, apiClientFor(target.platform, env, target.spec));
  }
  const names = [...new Set(options.names)];
  for (const target of targets) {
    for (const name of names) {
      const problem = nameProblem(name, target.platform);
      if (problem) throw jwtError('InvalidSecretName', [name, target.spec, problem], [nameRules(target.platform)]);
    }
  }
  const stores: SecretStore[] = targets.map((target) => {
    const client = clients.get(target.platform) as ApiClient;
    return target.platform === 'github'
      ? new GitHubSecrets(target, client)
      : new GitLabVariables(target, client, options.protected ?? true);
  });
  for (const store of stores) {
    // eslint-disable-next-line no-await-in-loop
    await store.check();
  }
  return { targets, stores, names };
}

/** The pre-flight of `settings` for `names` (prefix and suffix applied); undefined when there is nothing to push. */
export async function checkPushSettings(
  settings: PushSettings | undefined,
  names: readonly string[],
): Promise<PushCheck | undefined> {
  if (!settings || settings.targets.length === 0) return undefined;
  return checkPush({ targets: settings.targets, names, protected: settings.protected, env: settings.env });
}

/** The names that would be written where (a dry run's plan), one entry per target. */
export function pushPlan(
  check: Pick<PushCheck, 'targets'>,
  names: readonly string[],
): Array<{
  target: string;
  kind: string;
  names: string[];
}> {
  return check.targets.map((t) => ({ target: t.spec, kind: targetKind(t), names: [...names] }));
}

/** Every org's secrets to every target, stopping at the first failure (reported, not thrown). */
export async function pushSecrets(
  check: PushCheck,
  orgs: readonly OrgSecrets[],
  options: { onEvent?: (event: PushEvent) => void } = {},
): Promise<PushOutcome> {
  const all = orgs.flatMap((o) => o.secrets.map((secret) => ({ org: o.org, secret })));
  const report: PushReport = {
    targets: check.stores.map((s) => ({
      target: s.target.spec,
      platform: s.target.platform,
      kind: targetKind(s.target),
      written: [],
      notWritten: all.map((a) => a.secret.name),
      unmasked: [],
    })),
  };
  const done: Array<{ store: SecretStore; written: PushedSecret }> = [];

  // Every name and value within the rules of every target before the first write.
  for (const store of check.stores) {
    for (const { secret } of all) {
      const problem =
        nameProblem(secret.name, store.target.platform) ??
        valueProblem(platformValue(secret, store.target.platform), store.target.platform);
      if (problem) {
        report.failure = { target: store.target.spec, name: secret.name, reason: problem };
        return { report, undo: () => undoWrites(done) };
      }
    }
  }

  for (const [i, store] of check.stores.entries()) {
    const entry = report.targets[i];
    for (const { org, secret } of all) {
      let written: WriteResult;
      try {
        // eslint-disable-next-line no-await-in-loop
        written = await store.write(secret);
      } catch (error) {
        if (!(error instanceof WriteFailure)) throw error;
        report.failure = { target: store.target.spec, name: secret.name, reason: error.message };
        return { report, undo: (known) => undoWrites(done, known) };
      }
      const pushed: PushedSecret = { ...written, ...(org !== undefined ? { org } : {}) };
      entry.written.push(pushed);
      const left = entry.notWritten.indexOf(secret.name);
      if (left >= 0) entry.notWritten.splice(left, 1);
      if (written.masked === false) entry.unmasked.push(secret.name);
      done.push({ store, written: pushed });
      options.onEvent?.({
        type: 'secret-written',
        target: store.target.spec,
        name: secret.name,
        result: written.result,
      });
    }
  }
  return { report, undo: (known) => undoWrites(done, known) };
}

async function undoWrites(
  done: Array<{ store: SecretStore; written: PushedSecret }>,
  known: readonly Secret[] = [],
): Promise<UndoReport> {
  const result: UndoReport = { undone: [], notUndone: [] };
  for (const { store, written } of [...done].reverse()) {
    const target = store.target.spec;
    const old = known.find((k) => k.name === written.name);
    try {
      // eslint-disable-next-line no-await-in-loop
      const action = await store.undo(written, old);
      if (action === 'unknown-old-value') {
        result.notUndone.push({ target, name: written.name, reason: reason('push.undo.unknown') });
      } else result.undone.push({ target, name: written.name, action });
    } catch (error) {
      if (!(error instanceof WriteFailure)) throw error;
      result.notUndone.push({ target, name: written.name, reason: error.message });
    }
  }
  return result;
}

/** "github:acme/app: SF_JWT_KEY (updated); gitlab:acme/app: none" */
export function describeWritten(report: PushReport): string {
  return report.targets
    .map(
      (t) =>
        `${t.target}: ${t.written.length ? t.written.map((w) => `${w.name} (${w.result})`).join(', ') : reason('push.nothing')}`,
    )
    .join('; ');
}

export function describeNotWritten(report: PushReport): string {
  const lines = report.targets
    .filter((t) => t.notWritten.length > 0)
    .map((t) => `${t.target}: ${t.notWritten.join(', ')}`);
  return lines.length ? lines.join('; ') : reason('push.nothing');
}

/**
 * SecretPushFailed for a report with a failure. `after` completes the message (what happened to the rest: the app
 * stays, or the rotation was rolled back), `fix` is the action.
 */
export function secretPushFailed(
  report: PushReport,
  after: string,
  fix: string,
  data: Record<string, unknown> = {},
): JwtSetupError {
  const failure = report.failure as PushFailure;
  const error = jwtError(
    'SecretPushFailed',
    [failure.target, failure.name, failure.reason, describeWritten(report), describeNotWritten(report), after],
    [fix],
  );
  error.setData({
    target: failure.target,
    secret: failure.name,
    reason: failure.reason,
    written: Object.fromEntries(report.targets.map((t) => [t.target, t.written.map((w) => w.name)])),
    notWritten: Object.fromEntries(report.targets.map((t) => [t.target, t.notWritten])),
    pushed: report.targets,
    ...data,
  });
  return error;
}
