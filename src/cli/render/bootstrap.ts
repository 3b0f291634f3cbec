/*
 * What `sf jwt-setup bootstrap` shows and returns: a line per step, deploy progress (a spinner at a terminal; without
 * one, at most a line every 15 seconds), the plan of a dry run, and the hand-over to the pipeline. Never the key,
 * never a token.
 */
import type { Messages } from '@salesforce/core';
import type { AppKind } from '../../app/names.js';
import { audienceToHandOver, type BootstrapEvent, type BootstrapOutcome } from '../../bootstrap/bootstrap.js';
import { isOrgStepEvent } from '../../org/deploy.js';
import { OrgStepRenderer } from './org-steps.js';

export type BootstrapResult = {
  app: string;
  type: AppKind;
  /** null in a dry run of a new app (the key is made when it runs). */
  consumerKey: string | null;
  username: string;
  loginUrl: string;
  instanceUrl: string | null;
  audience: string | null;
  orgId: string;
  keyFile: string;
  certificateFile: string;
  certificateFingerprintSha256: string | null;
  files: string[];
  permissionSet: string | null;
  assignment: 'created' | 'existing' | null;
  /** The app's deploy (null when nothing needed deploying, and in a dry run). */
  deployId: string | null;
  deployIds: string[];
  dryRun: boolean;
  /** What a dry run would do (the same steps a run takes). */
  plan: string[];
  secrets: {
    SF_JWT_CLIENT_ID: string | null;
    SF_JWT_USERNAME: string;
    SF_JWT_INSTANCE_URL: string;
    SF_AUDIENCE_URL?: string;
  };
};

export class BootstrapRenderer extends OrgStepRenderer {
  public event(event: BootstrapEvent): void {
    if (isOrgStepEvent(event)) {
      this.step(event);
      return;
    }
    const m = (key: string, tokens: Array<string | number> = []): string => this.m(key, tokens);
    switch (event.type) {
      case 'preflight':
        return this.out.log(m('info.preflight', [event.org, event.orgId, event.username, event.userId]));
      case 'key':
        return this.out.log(m(`info.key.${event.action}`, [event.keyFile, event.certificateFile]));
      case 'app-files':
        return this.out.log(m('info.files', [commonFolder(event.files), event.files.length]));
      case 'deploy-skipped':
        return this.out.log(m('info.deploySkipped'));
      case 'assignment':
        return this.out.log(m(`info.assignment.${event.result}`, [event.permissionSet]));
    }
  }

  public report(result: BootstrapResult): void {
    const m = (key: string, tokens: Array<string | number> = []): string => this.m(key, tokens);
    if (result.dryRun) {
      this.out.log(m('info.plan'));
      for (const line of result.plan) this.out.log(line);
      return;
    }
    this.out.logSuccess(m('info.success', [result.username, result.orgId, result.app]));
    this.out.log('');
    this.out.log(m('info.handover'));
    for (const [name, value] of Object.entries(result.secrets)) if (value) this.out.log(`  ${name}=${value}`);
    this.out.log(m('info.handover.key', [result.keyFile, result.keyFile]));
    this.out.log('');
    this.out.log(m('info.handover.step'));
    for (const line of githubStep(result)) this.out.log(line);
    this.out.log('');
    this.out.log(m('info.notes', [commonFolder(result.files), commonFolder([result.keyFile])]));
  }
}

function commonFolder(paths: string[]): string {
  if (paths.length === 0) return '.';
  const split = paths.map((p) => p.split('/'));
  const first = split[0].slice(0, -1);
  let n = first.length;
  for (const parts of split) while (n > 0 && parts.slice(0, n).join('/') !== first.slice(0, n).join('/')) n--;
  return first.slice(0, n).join('/') || '/';
}

function githubStep(result: BootstrapResult): string[] {
  const env = [
    '      SF_JWT_CLIENT_ID: ${{ secrets.SF_JWT_CLIENT_ID }}',
    `      SF_JWT_USERNAME: ${result.username}`,
    `      SF_JWT_INSTANCE_URL: ${result.secrets.SF_JWT_INSTANCE_URL}`,
    ...(result.secrets.SF_AUDIENCE_URL ? [`      SF_AUDIENCE_URL: ${result.secrets.SF_AUDIENCE_URL}`] : []),
    '      SF_JWT_KEY: ${{ secrets.SF_JWT_KEY }}',
  ];
  return [
    '  - name: Log in to Salesforce',
    '    env:',
    ...env,
    '    run: |',
    '      npm install --global @salesforce/cli',
    '      sf plugins trust allowlist add --name sf-jwt-setup',
    '      sf plugins install sf-jwt-setup',
    '      sf jwt-setup login --alias ci --set-default --wait 5',
  ];
}

/** The plan as lines, from what the run would do (or did). */
function planLines(outcome: BootstrapOutcome, messages: Messages<string>): string[] {
  const m = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));
  const { plan } = outcome;
  const checked = plan.preflight;
  const lines = [m(`info.plan.key.${plan.keyPair.action}`, [plan.keyPair.keyFile, plan.keyPair.certificateFile])];
  lines.push(
    checked.consumerKeySource === 'new'
      ? m('info.plan.consumerKey.new', [checked.app])
      : m('info.plan.consumerKey.known', [checked.app, checked.consumerKeySource]),
  );
  if (plan.deploys.length === 0) lines.push(m('info.plan.deploy.none'));
  for (const what of plan.deploys) {
    lines.push(m(`info.plan.deploy.${what}`, [what === 'app' ? checked.app : (checked.permissionSet ?? '')]));
  }
  if (plan.assignment !== 'none') {
    lines.push(m(`info.plan.assignment.${plan.assignment}`, [checked.permissionSet ?? '', checked.user.username]));
  }
  lines.push(m('info.plan.login', [checked.user.username, plan.loginUrl]));
  return lines;
}

export function toBootstrapResult(
  outcome: BootstrapOutcome,
  kind: AppKind,
  messages: Messages<string>,
): BootstrapResult {
  const { plan, app, login } = outcome;
  const checked = plan.preflight;
  const consumerKey = app?.spec.consumerKey ?? checked.consumerKey ?? null;
  const loginUrl = login?.loginUrl ?? plan.loginUrl;
  const audience = login ? audienceToHandOver(login) : undefined;
  return {
    app: checked.app,
    type: kind,
    consumerKey,
    username: checked.user.username,
    loginUrl,
    instanceUrl: login?.instanceUrl ?? null,
    audience: login?.audience ?? null,
    orgId: login?.orgId ?? checked.admin.orgId,
    keyFile: plan.keyPair.keyFile,
    certificateFile: plan.keyPair.certificateFile,
    certificateFingerprintSha256:
      app?.certificateFingerprintSha256 ?? plan.keyPair.certificate?.fingerprintSha256 ?? null,
    files: app?.files.map((f) => f.path) ?? [],
    permissionSet: checked.permissionSet ?? null,
    assignment: outcome.assignment ?? null,
    deployId: outcome.appDeployId ?? null,
    deployIds: outcome.deployIds,
    dryRun: outcome.dryRun,
    plan: planLines(outcome, messages),
    secrets: {
      SF_JWT_CLIENT_ID: consumerKey,
      SF_JWT_USERNAME: checked.user.username,
      SF_JWT_INSTANCE_URL: loginUrl,
      ...(audience ? { SF_AUDIENCE_URL: audience } : {}),
    },
  };
}
