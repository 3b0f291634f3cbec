/*
 * What `sf jwt-setup app` (and `keygen --app`) report: the --json result, the next commands, and the human output.
 */
import { relative } from 'node:path';
import { Messages } from '@salesforce/core';
import { describeKeyType } from '../../keys/private-key.js';
import type { AppKind } from '../../app/names.js';
import type { AppPlan, AppWarning } from '../../app/generate.js';
import { shellArg } from '../../util/shell.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'jwt-setup.app');

/** Where the human output goes (a command's log, warn and logSuccess). */
export type AppOutput = { log(message: string): void; warn(message: string): void; logSuccess(message: string): void };

export type AppResult = {
  type: AppKind;
  name: string;
  label: string;
  consumerKey: string;
  consumerKeyGenerated: boolean;
  /** absolute paths of the files written */
  files: string[];
  /** the permission set that admits users, or null when only profiles do */
  permissionSet: string | null;
  permissionSetCreated: boolean;
  profiles: string[];
  /** OAuth scope tokens, e.g. ["api", "refresh_token"] */
  scopes: string[];
  /** the same as the metadata names them, e.g. ["Api", "RefreshToken"] */
  metadataScopes: string[];
  apiVersion: string;
  certificateFile: string;
  certificateFingerprintSha256: string;
  certificateNotAfter: string;
  outputDir: string;
  nextSteps: string[];
  notes: string[];
};

/** A path for a shell command line, relative to the current folder when inside it. */
function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel !== '' && !rel.startsWith('..') ? rel : path;
  return shellArg(shown);
}

export function reportApp(plan: AppPlan, result: AppResult, out: AppOutput): void {
  for (const warning of plan.warnings) out.warn(warningText(warning));
  if (plan.replaces.length > 0)
    out.warn(messages.getMessage('warn.replaced', [plan.replaces.map(shellPath).join(', ')]));
  out.logSuccess(
    messages.getMessage('info.wrote', [
      messages.getMessage(`info.kind.${result.type}`),
      result.name,
      result.files.length,
      result.apiVersion,
    ]),
  );
  out.log(messages.getMessage('info.files'));
  for (const file of result.files) out.log(`  ${shellPath(file)}`);
  out.log(
    messages.getMessage('info.consumerKey', [
      result.consumerKey,
      result.consumerKeyGenerated ? messages.getMessage('info.consumerKeyGenerated') : '',
    ]),
  );
  out.log(
    messages.getMessage('info.certificate', [
      shellPath(result.certificateFile),
      result.certificateFingerprintSha256,
      result.certificateNotAfter,
    ]),
  );
  if (result.permissionSet !== null) {
    out.log(
      messages.getMessage(`info.permissionSet.${result.permissionSetCreated ? 'created' : 'referenced'}`, [
        result.permissionSet,
      ]),
    );
    if (result.profiles.length > 0) out.log(messages.getMessage('info.profiles', [result.profiles.join(', ')]));
  } else {
    out.log(messages.getMessage('info.profilesOnly', [result.profiles.join(', ')]));
  }
  out.log('');
  out.log(messages.getMessage('info.nextSteps'));
  result.nextSteps.forEach((step, i) => out.log(`  ${i + 1}. ${step}`));
  out.log('');
  for (const note of result.notes) out.log(messages.getMessage('info.note', [note]));
}

function warningText(warning: AppWarning): string {
  switch (warning.code) {
    case 'certificateExpired':
    case 'certificateExpiresSoon':
      return messages.getMessage(`warn.${warning.code}`, [warning.date]);
    case 'certificateNotRsa':
      return messages.getMessage('warn.certificateNotRsa', [describeKeyType(warning.keyType)]);
    case 'noApiScope':
      return messages.getMessage('warn.noApiScope');
    case 'placeholderContactEmail':
      return messages.getMessage('warn.placeholderContactEmail', [warning.email]);
  }
}

export function toResult(plan: AppPlan): AppResult {
  const { spec } = plan;
  const keyFile = plan.certificateFile.endsWith('.crt')
    ? shellPath(plan.certificateFile.replace(/\.crt$/, '.key'))
    : '<private key file>';
  const nextSteps: string[] = [];
  if (spec.kind === 'external') nextSteps.push(messages.getMessage('nextStep.orgSetting'));
  nextSteps.push(
    messages.getMessage('nextStep.deploy', [plan.files.map((f) => `--source-dir ${shellPath(f.path)}`).join(' ')]),
  );
  if (spec.permissionSet !== undefined) nextSteps.push(messages.getMessage('nextStep.assign', [spec.permissionSet]));
  else nextSteps.push(messages.getMessage('nextStep.profile', [spec.profiles.join(', ')]));
  nextSteps.push(
    messages.getMessage('nextStep.login', [
      spec.consumerKey,
      keyFile,
      messages.getMessage(`nextStep.instanceUrl.${spec.kind}`),
    ]),
  );
  const secretFile = plan.files.find((f) => f.type === 'ExtlClntAppGlobalOauthSettings' || f.type === 'ConnectedApp');
  const notes = [messages.getMessage('note.localToOrg')];
  if (secretFile) notes.push(messages.getMessage('note.secret', [shellPath(secretFile.path)]));
  if (spec.kind === 'connected') notes.push(messages.getMessage('note.connectedBlocked'));
  return {
    type: spec.kind,
    name: spec.name,
    label: spec.label,
    consumerKey: spec.consumerKey,
    consumerKeyGenerated: plan.consumerKeyGenerated,
    files: plan.files.map((f) => f.path),
    permissionSet: spec.permissionSet ?? null,
    permissionSetCreated: plan.permissionSetMode === 'created',
    profiles: spec.profiles,
    scopes: spec.scopes,
    metadataScopes: spec.metadataScopes,
    apiVersion: spec.apiVersion,
    certificateFile: plan.certificateFile,
    certificateFingerprintSha256: plan.certificateFingerprintSha256,
    certificateNotAfter: plan.certificateNotAfter,
    outputDir: plan.outputDir,
    nextSteps,
    notes,
  };
}
