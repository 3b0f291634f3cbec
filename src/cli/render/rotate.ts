/*
 * What `sf jwt-setup rotate` shows and returns: a line per step, deploy progress (a spinner at a terminal), the way
 * back before the swap, the plan of a dry run, and the hand-over (only the key secret changes). Never a key, never a
 * token.
 */
import type { Messages } from '@salesforce/core';
import type { AppKind } from '../../app/names.js';
import { publicKeyFingerprint } from '../../keys/private-key.js';
import type { RotateEvent, RotateOutcome } from '../../rotate/rotate.js';
import { isOrgStepEvent } from '../../org/deploy.js';
import { OrgStepRenderer } from './org-steps.js';

export type RotateResult = {
  app: string;
  type: AppKind;
  consumerKey: string;
  username: string;
  loginUrl: string;
  /** SHA-256 fingerprints of the app's certificate before and after (the new one is null in a dry run that makes it). */
  oldFingerprintSha256: string;
  newFingerprintSha256: string | null;
  /** SHA-256 of the public keys (SubjectPublicKeyInfo), hex: how stored logins were matched. */
  oldKeyFingerprintSha256: string | null;
  newKeyFingerprintSha256: string | null;
  /** The current key as given (null when it is lost, --force); never deleted. */
  oldKeyFile: string | null;
  newKeyFile: string;
  newCertificateFile: string;
  previousCertificateFile: string;
  deployId: string | null;
  verified: boolean;
  /** true: the old key is refused; false: still accepted (propagating); null: not checked. */
  oldKeyRefused: boolean | null;
  rolledBack: boolean;
  repointedAuths: Array<{ username: string; from: string; to: string }>;
  /**
   * Stored logins of other orgs that share the consumer key and the old key (sandboxes copied from production): not
   * re-pointed, since their apps still hold the old certificate; each with the command that rotates that org's app.
   */
  otherOrgLogins: Array<{ username: string; orgId: string; command: string }>;
  removedKeyCopies: string[];
  rollbackCommand: string;
  dryRun: boolean;
  plan: string[];
  /** The secrets that changed: only the key. */
  secretsChanged: string[];
};

export class RotateRenderer extends OrgStepRenderer {
  public event(event: RotateEvent): void {
    if (isOrgStepEvent(event)) {
      this.step(event);
      return;
    }
    const m = (key: string, tokens: Array<string | number> = []): string => this.m(key, tokens);
    switch (event.type) {
      case 'preflight': {
        const p = event.plan;
        const kind = p.kind === 'external' ? 'External Client App' : 'Connected App';
        this.out.log(
          m('info.preflight', [
            p.admin.username,
            p.admin.orgId,
            kind,
            p.app,
            p.currentCertificate.fingerprintSha256,
            p.consumerKeySource,
          ]),
        );
        if (p.currentLoginChecked) this.out.log(m('info.preflight.login', [p.oldKey?.sourceLabel ?? '']));
        else this.out.warn(m('info.preflight.forced'));
        this.out.log(m('info.oneCertificate'));
        return;
      }
      case 'key':
        return this.out.log(m(`info.key.${event.action}`, [event.keyFile, event.certificateFile]));
      case 'previous-saved':
        this.out.log(m('info.previous', [event.file]));
        return this.out.log(`  ${event.command}`);
      case 'verified':
        return this.out.log(m('info.verified', [event.username]));
      case 'old-key':
        if (event.check.refused === true) return this.out.log(m('info.oldKey.refused'));
        if (event.check.refused === false) return this.out.warn(m('info.oldKey.accepted'));
        if (event.check.code) this.out.warn(m('info.oldKey.other', [event.check.code]));
        return;
      case 'rollback-start':
        this.finish();
        return this.out.warn(m('info.rollback', [event.code]));
      case 'repointed':
        if (event.outcome.repointed.length === 0) this.out.log(m('info.repointed.none'));
        for (const r of event.outcome.repointed) this.out.log(m('info.repointed', [r.username, r.to]));
        for (const c of event.outcome.removedCopies) this.out.log(m('info.copyRemoved', [c]));
        for (const o of event.otherOrgs) {
          this.out.warn(m('info.otherOrg', [o.username, o.orgId]));
          this.out.log(`  ${o.command}`);
        }
        return;
    }
  }

  public report(result: RotateResult): void {
    const m = (key: string, tokens: Array<string | number> = []): string => this.m(key, tokens);
    if (result.dryRun) {
      this.out.log(m('info.plan'));
      for (const line of result.plan) this.out.log(line);
      return;
    }
    this.out.logSuccess(m('info.success', [result.app, result.username]));
    this.out.log('');
    this.out.log(m('info.handover', [result.newKeyFile, result.newKeyFile]));
    this.out.log('');
    if (result.oldKeyFile) this.out.log(m('info.keep', [result.oldKeyFile, result.previousCertificateFile]));
  }
}

function planLines(
  outcome: RotateOutcome,
  username: string,
  waitMinutes: number,
  messages: Messages<string>,
): string[] {
  const m = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));
  const { plan } = outcome;
  return [
    m(`info.plan.key.${plan.newKey.action}`, [plan.newKey.keyFile, plan.newKey.certificateFile]),
    m('info.plan.previous', [plan.previousCertificateFile]),
    m('info.plan.deploy', [plan.component.fullName]),
    m('info.plan.verify', [username, plan.loginUrl, waitMinutes]),
    m('info.plan.repoint'),
  ];
}

export function toRotateResult(
  outcome: RotateOutcome,
  options: { username: string; waitMinutes: number },
  messages: Messages<string>,
): RotateResult {
  const { plan } = outcome;
  return {
    app: plan.app,
    type: plan.kind,
    consumerKey: plan.consumerKey,
    username: options.username,
    loginUrl: plan.loginUrl,
    oldFingerprintSha256: plan.currentCertificate.fingerprintSha256,
    newFingerprintSha256: outcome.newCertificate?.fingerprintSha256 ?? null,
    oldKeyFingerprintSha256: plan.oldKey ? publicKeyFingerprint(plan.oldKey.publicKey) : null,
    newKeyFingerprintSha256: outcome.newKeyFingerprint ?? null,
    oldKeyFile: plan.oldKey?.file ?? null,
    newKeyFile: plan.newKey.keyFile,
    newCertificateFile: plan.newKey.certificateFile,
    previousCertificateFile: plan.previousCertificateFile,
    deployId: outcome.deployId ?? null,
    verified: outcome.verified,
    oldKeyRefused: outcome.oldKey.refused,
    rolledBack: false,
    repointedAuths: outcome.repoint?.repointed ?? [],
    removedKeyCopies: outcome.repoint?.removedCopies ?? [],
    otherOrgLogins: outcome.otherOrgs,
    rollbackCommand: outcome.rollbackCommand,
    dryRun: outcome.dryRun,
    plan: outcome.dryRun ? planLines(outcome, options.username, options.waitMinutes, messages) : [],
    secretsChanged: outcome.dryRun ? [] : ['SF_JWT_KEY'],
  };
}
