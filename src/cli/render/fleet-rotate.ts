/*
 * What `sf jwt-setup fleet rotate` shows and returns: each org's pre-flight, each step as it happens (prefixed with
 * the org's alias; deploy progress and propagation waits as `rotate` shows them, as lines since several orgs work at
 * once), the way back per org, then a table (alias, app, old and new certificate, deployed, verified, rolled back,
 * result), annotations and a step summary under GitHub Actions. The --json result carries the same per org, with the
 * deploy ids. The coded error of a run that did not rotate every org carries the whole result as its data. Never a
 * key, never a token.
 */
import { Messages } from '@salesforce/core';
import { jwtError, reason, type JwtSetupError } from '../../errors.js';
import { publicKeyFingerprint } from '../../keys/private-key.js';
import type { FleetEvent, FleetRotation } from '../../fleet/rotate-steps.js';
import type { FleetOrgState } from '../../fleet/rotate.js';
import { secretPushFailed, type PushedTarget, type UndoReport } from '../../push/push.js';
import { OrgStepRenderer, type Output } from './org-steps.js';
import { pushPlanLines, renderPushEvent, renderPushed } from './push.js';
import { appendStepSummary, githubAnnotation } from './report.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.fleet.rotate');
const m = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));

export type FleetRotateOrgResult = {
  alias: string;
  app: string;
  username: string;
  /** The sf login that deployed to the org (rotate's --target-org). */
  adminOrg: string;
  orgId: string | null;
  consumerKey: string | null;
  /**
   * rotated, rolled-back, rollback-failed or unreachable (not put back: see `command`), unchanged (no swap reached
   * it), refused (in the pre-flight; see `code`), skipped (--skip-mismatched), planned (--dry-run).
   */
  status: FleetOrgState;
  /** SHA-256 fingerprints of the app's certificate before the rotation and the new one. */
  oldFingerprintSha256: string | null;
  newFingerprintSha256: string | null;
  previousCertificateFile: string | null;
  /** Already on the new certificate when this run started (a re-run after an interruption). */
  alreadyRotated: boolean;
  deployed: boolean;
  verified: boolean;
  rolledBack: boolean;
  /** The certificate deploy, then the rollback deploy if any. */
  deployIds: string[];
  /** true: the old key is refused now; false: still accepted (propagating); null: not checked. */
  oldKeyRefused: boolean | null;
  /** The org's own failure: its pre-flight refusal (CertificateMismatch, …), refused deploy or failed login. */
  code: string | null;
  message: string | null;
  /** For an org that could not be put back: the command that does it, with real values. */
  command: string | null;
};

export type FleetRotateResult = {
  manifest: string;
  /** rotated, dry-run, preflight-failed, rolled-back, rollback-failed. */
  outcome: FleetRotation['outcome']['status'];
  dryRun: boolean;
  oldKey: string;
  oldKeyFingerprintSha256: string;
  newKeyFile: string;
  newCertificateFile: string;
  newKeyFingerprintSha256: string | null;
  newFingerprintSha256: string | null;
  /** Whether this run wrote the new key files (they are kept whatever happens next). */
  newKeyWritten: boolean;
  rotated: number;
  skipped: number;
  total: number;
  orgs: FleetRotateOrgResult[];
  repointedAuths: Array<{ username: string; from: string; to: string }>;
  /** The apps' committed source, updated once with the new certificate: commit these (in a dry run: to be updated). */
  filesToCommit: string[];
  /** Where the apps' source was looked for (the package folders of ./sfdx-project.json). */
  sourceSearched: string[];
  /** Why the source files could not be written, if so: update them by hand. */
  sourceUpdateFailed: string | null;
  removedKeyCopies: string[];
  plan: string[];
  /** The secrets that changed: only the key (with each org's suffix where secrets are per org). */
  secretsChanged: string[];
  /** --push: each org's key secret name, by alias (empty without --push). */
  secretNames: Record<string, string>;
  /** --push: per target, the secrets written (created or updated); empty without --push and in a dry run. */
  pushed: PushedTarget[];
  /** --push failed: every changed org rolled back (see `orgs`), the store untouched. */
  rolledBack: boolean;
  /** --push failed: the secrets put back (the old key restored, or a created one deleted), and those that were not. */
  pushUndone: UndoReport['undone'];
  pushNotUndone: UndoReport['notUndone'];
};

export function toFleetRotateResult(rotation: FleetRotation, manifest: string): FleetRotateResult {
  const { outcome, newKey, fresh, oldKey } = rotation;
  const newFingerprint = fresh?.certificate.fingerprintSha256 ?? null;
  const orgs = outcome.orgs.map((o): FleetRotateOrgResult => {
    const r = o.plan?.rotation;
    const spec = rotation.specs.get(o.alias);
    const held = r?.currentCertificate;
    const heldIsOld = held !== undefined && held.publicKey.equals(oldKey.publicKey);
    return {
      alias: o.alias,
      app: spec?.app ?? '',
      username: spec?.username ?? '',
      adminOrg: spec?.adminOrg ?? '',
      orgId: r?.admin.orgId ?? null,
      consumerKey: r?.consumerKey ?? null,
      status: o.state,
      oldFingerprintSha256: heldIsOld ? held.fingerprintSha256 : null,
      newFingerprintSha256: o.state === 'refused' || o.state === 'skipped' ? null : newFingerprint,
      previousCertificateFile: heldIsOld && r ? r.previousCertificateFile : null,
      alreadyRotated: o.alreadyRotated,
      deployed: o.deployed,
      verified: o.verified,
      rolledBack: o.rolledBack,
      deployIds: [o.deployId, o.rollbackDeployId].filter((id): id is string => typeof id === 'string'),
      oldKeyRefused: rotation.oldKeyChecks.get(o.alias)?.refused ?? null,
      code: o.code ?? null,
      message: o.message ?? null,
      command: o.command ?? null,
    };
  });
  const dryRun = outcome.status === 'dry-run';
  return {
    manifest,
    outcome: outcome.status,
    dryRun,
    oldKey: oldKey.sourceLabel,
    oldKeyFingerprintSha256: publicKeyFingerprint(oldKey.publicKey),
    newKeyFile: newKey.keyFile,
    newCertificateFile: newKey.certificateFile,
    newKeyFingerprintSha256: fresh ? publicKeyFingerprint(fresh.key.publicKey) : null,
    newFingerprintSha256: newFingerprint,
    newKeyWritten: outcome.keyWritten,
    rotated: orgs.filter((o) => o.status === 'rotated').length,
    skipped: orgs.filter((o) => o.status === 'skipped').length,
    total: orgs.length,
    orgs,
    repointedAuths: outcome.repoint?.repointed ?? [],
    filesToCommit: rotation.localSource.files,
    sourceSearched: rotation.localSource.searched,
    sourceUpdateFailed: rotation.localSource.failed ?? null,
    removedKeyCopies: outcome.repoint?.removedCopies ?? [],
    plan: dryRun ? planLines(rotation) : [],
    secretsChanged: outcome.status === 'rotated' ? secretsChanged(rotation) : [],
    secretNames: Object.fromEntries(rotation.push?.names ?? []),
    pushed: rotation.push?.report?.targets ?? [],
    rolledBack: outcome.status === 'push-failed' || (outcome.pushFailed && orgs.some((o) => o.rolledBack)),
    pushUndone: rotation.push?.undo?.undone ?? [],
    pushNotUndone: rotation.push?.undo?.notUndone ?? [],
  };
}

/** The key secret: SF_JWT_KEY, or with --push each rotated org's own name. */
function secretsChanged(rotation: FleetRotation): string[] {
  const { push, outcome } = rotation;
  if (!push) return ['SF_JWT_KEY'];
  const rotated = outcome.orgs.filter((o) => o.state === 'rotated').map((o) => push.names.get(o.alias) as string);
  return [...new Set(rotated)];
}

function planLines(rotation: FleetRotation): string[] {
  const { newKey, outcome } = rotation;
  const lines = [m(`info.plan.key.${newKey.action}`, [newKey.keyFile, newKey.certificateFile])];
  for (const o of outcome.orgs) {
    const r = o.plan?.rotation;
    if (!r || !o.plan) continue;
    if (o.alreadyRotated) lines.push(m('info.plan.orgDone', [o.alias, o.plan.spec.username]));
    else {
      lines.push(
        m('info.plan.org', [
          o.alias,
          r.previousCertificateFile,
          r.component.fullName,
          o.plan.spec.adminOrg,
          o.plan.spec.username,
          rotation.waitMinutes,
        ]),
      );
    }
  }
  if (rotation.push) lines.push(...pushPlanLines(rotation.push.plan, 'info.plan.pushKey'));
  lines.push(m('info.plan.repoint'));
  for (const file of rotation.localSource.files) lines.push(m('info.plan.source', [file]));
  return lines;
}

/**
 * SecretPushFailed (it wins over FleetRotationRolledBack): every org verified, the push failed, every changed org put
 * back, the secrets written put back where the old key is known, the store untouched.
 */
function pushFailedError(rotation: FleetRotation, result: FleetRotateResult): JwtSetupError {
  const report = rotation.push?.report ?? { targets: [], failure: { target: '-', name: '-', reason: '-' } };
  const failure = report.failure ?? {
    target: '-',
    name: '-',
    reason: result.orgs.find((o) => o.message)?.message ?? '-',
  };
  const written = report.targets.some((t) => t.written.length > 0);
  const { pushUndone: undone, pushNotUndone: notUndone } = result;
  const undoText = !written
    ? reason('push.rotate.nothingToUndo')
    : [
        undone.length > 0 ? reason('push.rotate.undone', [undone.map((u) => `${u.target} ${u.name}`).join(', ')]) : '',
        notUndone.length > 0
          ? reason('push.rotate.notUndone', [
              result.oldKey,
              notUndone.map((u) => `${u.target} ${u.name} (${u.reason})`).join(', '),
            ])
          : '',
      ]
        .filter(Boolean)
        .join(' ');
  const back = result.orgs.filter((o) => o.rolledBack).map((o) => o.alias);
  return secretPushFailed(
    { ...report, failure },
    reason('push.fleet.after', [back.join(', ') || '-', undoText]),
    reason('push.fix.rotate', [result.newKeyFile]),
    result as unknown as Record<string, unknown>,
  );
}

/** The coded error of a run that did not rotate every selected org, carrying the whole result; undefined for success. */
export function fleetRotateError(result: FleetRotateResult, rotation?: FleetRotation): JwtSetupError | undefined {
  if (result.outcome === 'push-failed' && rotation) return pushFailedError(rotation, result);
  const failing = result.orgs.filter((o) => o.code !== null && o.status !== 'skipped');
  const causes = failing.map((o) => `${o.alias}: ${o.code ?? ''}`).join(', ');
  let error: JwtSetupError;
  switch (result.outcome) {
    case 'rotated':
    case 'dry-run':
      return undefined;
    case 'preflight-failed': {
      const refused = result.orgs.filter((o) => o.status === 'refused');
      const others = result.orgs.filter((o) => o.status !== 'refused' && o.status !== 'skipped');
      error = jwtError(
        'FleetPreflightFailed',
        [refused.length, result.total, refused.map((o) => `${o.alias}: ${o.code ?? ''}`).join(', ') || '-'],
        [others.map((o) => o.alias).join(',') || '-'],
      );
      break;
    }
    case 'push-failed':
    case 'rolled-back':
      error = jwtError('FleetRotationRolledBack', [causes || '-'], [result.newKeyFile]);
      break;
    case 'rollback-failed': {
      const stuck = result.orgs.filter((o) => o.status === 'rollback-failed' || o.status === 'unreachable');
      error = jwtError('RollbackFailed', [causes, '', '', '']);
      // The fleet's own wording: every org that is stuck, and its exact command (never cut short).
      error.message = m('rollbackFailed.message', [
        causes || '-',
        stuck.length,
        stuck.map((o) => `${o.alias} (${o.message ?? o.code ?? ''})`).join('; '),
      ]);
      error.actions = [
        ...stuck.map((o) => m('rollbackFailed.action', [o.alias, o.command ?? ''])),
        m('rollbackFailed.keep', [result.newKeyFile]),
      ];
      break;
    }
  }
  error.setData(result as unknown as Parameters<JwtSetupError['setData']>[0]);
  return error;
}

const yes = (b: boolean): string => (b ? 'yes' : 'no');
const short = (fp: string | null): string => (fp ? `${fp.slice(0, 23)}…` : '-');

export function renderFleetRotateTable(orgs: FleetRotateOrgResult[]): string[] {
  const keys = ['alias', 'app', 'old', 'new', 'deployed', 'verified', 'rolledBack', 'status'];
  const header = keys.map((k) => m(`table.${k}`));
  const rows = orgs.map((o) => [
    o.alias,
    o.app || '-',
    short(o.oldFingerprintSha256),
    short(o.newFingerprintSha256),
    yes(o.deployed),
    yes(o.verified),
    yes(o.rolledBack),
    o.code && o.status !== 'rotated' ? `${o.status} (${o.code})` : o.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function renderMarkdown(result: FleetRotateResult, summary: string): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const icon = (o: FleetRotateOrgResult): string =>
    o.status === 'rotated' || o.status === 'planned' ? '✅' : o.status === 'skipped' ? '➖' : '❌';
  return [
    `### ${m('info.heading')}`,
    '',
    summary,
    '',
    m('markdownHeader'),
    '|---|---|---|---|---|---|---|---|',
    ...result.orgs.map(
      (o) =>
        `| ${cell(o.alias)} | ${cell(o.app)} | ${short(o.oldFingerprintSha256)} | ${short(o.newFingerprintSha256)} | ` +
        `${yes(o.deployed)} | ${yes(o.verified)} | ${yes(o.rolledBack)} | ${icon(o)} ${cell(o.code ? `${o.status} (${o.code})` : o.status)} |`,
    ),
    '',
  ].join('\n');
}

export class FleetRotateRenderer extends OrgStepRenderer {
  public constructor(out: Output) {
    // Several orgs deploy at once: progress as lines (at most one every 15 s), never a spinner.
    super(out, messages, false);
  }

  public event(event: FleetEvent): void {
    switch (event.type) {
      case 'org':
        this.step(event.event);
        return;
      case 'preflight': {
        const { alias, result } = event;
        if (result.status === 'refused')
          return this.out.warn(m('info.preflight.refused', [alias, result.code, result.message]));
        const plan = result.plan as {
          spec: { app: string; username: string };
          rotation: { currentCertificate: { fingerprintSha256: string } };
        };
        if (result.status === 'done') return this.out.log(m('info.preflight.done', [alias, plan.spec.app]));
        return this.out.log(
          m('info.preflight.ready', [
            alias,
            plan.spec.app,
            plan.rotation.currentCertificate.fingerprintSha256,
            plan.spec.username,
          ]),
        );
      }
      case 'key':
        return;
      case 'previous-saved':
        return;
      case 'swapped':
        return this.out.log(m('info.swapped', [event.alias, event.deployId]));
      case 'swap-failed':
        return this.out.warn(m('info.swapFailed', [event.alias, event.code, event.message]));
      case 'verified':
        return this.out.log(m('info.verified', [event.alias]));
      case 'verify-failed':
        return this.out.warn(m('info.verifyFailed', [event.alias, event.code, event.message]));
      case 'rollback-start':
        return this.out.warn(m('info.rollback', [event.aliases.join(', ') || '-']));
      case 'rolled-back':
        return this.out.log(m('info.rolledBack', [event.alias]));
      case 'rollback-failed':
        this.out.warn(m('info.rollbackFailed', [event.alias, event.code]));
        return this.out.log(`  ${event.command}`);
      case 'repointed':
        return;
      case 'push':
        return renderPushEvent(this.out, event.event);
      case 'pushed':
      case 'push-undone':
        return;
      case 'push-failed':
        return this.out.warn(m('info.pushFailed', [event.code ?? '-', event.message ?? '-']));
    }
  }

  /** The table and what follows it; under GitHub Actions, annotations and the step summary too. */
  public report(result: FleetRotateResult, env: NodeJS.ProcessEnv = process.env): void {
    if (result.dryRun) {
      this.out.log(m('info.plan'));
      for (const line of result.plan) this.out.log(line);
      this.out.log('');
    } else if (result.newKeyWritten) {
      this.out.log(m('info.key', [result.newKeyFile, result.newCertificateFile, result.newFingerprintSha256 ?? '-']));
    }
    for (const line of renderFleetRotateTable(result.orgs)) this.out.log(line);
    this.out.log('');
    const summary = m('info.success', [result.rotated, result.total - result.skipped]);
    if (result.newKeyWritten) this.out.log(summary);
    const skipped = result.orgs.filter((o) => o.status === 'skipped').map((o) => o.alias);
    if (skipped.length > 0) this.out.warn(m('info.skipped', [skipped.join(', ')]));
    if (result.pushed.length > 0) renderPushed(this.out, result.pushed);
    if (result.outcome === 'rotated') {
      for (const r of result.repointedAuths) this.out.log(m('info.repointed', [r.username, r.to]));
      for (const c of result.removedKeyCopies) this.out.log(m('info.copyRemoved', [c]));
      if (result.sourceUpdateFailed)
        this.out.warn(m('info.source.failed', [result.sourceUpdateFailed, result.filesToCommit.join(', ')]));
      else if (result.filesToCommit.length > 0)
        this.out.log(m('info.source.updated', [result.filesToCommit.join(', ')]));
      else this.out.log(m('info.source.none', [result.sourceSearched.join(', ') || '-']));
      this.out.log('');
      if (result.pushed.length === 0) this.out.log(m('info.handover', [result.newKeyFile, result.newKeyFile]));
      this.out.log(m('info.keep', [result.oldKey, result.newKeyFile.replace(/\/[^/]*$/, '')]));
    }
    if (env.GITHUB_ACTIONS !== 'true' || result.dryRun) return;
    for (const o of result.orgs.filter((x) => x.code !== null || x.status === 'skipped')) {
      const level = o.status === 'skipped' ? 'warning' : 'error';
      const text = [`${o.status}${o.code ? ` (${o.code})` : ''}: ${o.message ?? ''}`, o.command ?? '']
        .filter(Boolean)
        .join('\n');
      this.out.log(githubAnnotation(level, m('annotationTitle', [o.alias]), text));
    }
    appendStepSummary(env, renderMarkdown(result, summary));
  }
}
