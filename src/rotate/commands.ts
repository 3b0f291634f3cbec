/*
 * The commands rotate prints with real values: the way back (a rotation back to the old key), verifying the new key
 * again (a login with it, which also registers it), and rotating another org's app that shares the key.
 */
import { shellCommand } from '../util/shell.js';
import type { RotateOptions, RotationPlan } from './types.js';

/** The command that puts the previous certificate back: a rotation back to the old key (or, without it, the upload). */
export function rollbackCommand(plan: RotationPlan, options: Pick<RotateOptions, 'targetOrg' | 'username'>): string {
  return shellCommand(
    'sf jwt-setup rotate',
    '--target-org',
    options.targetOrg,
    '--app',
    plan.app,
    '--username',
    options.username,
    '--client-id',
    plan.consumerKey,
    '--jwt-key-file',
    plan.newKey.keyFile,
    ...(plan.oldKey?.file ? ['--new-key-file', plan.oldKey.file] : []),
    '--new-certificate-file',
    plan.previousCertificateFile,
    '--force',
  );
}

/** A login with the new key: it verifies it and registers it with the sf CLI (the store then uses it). */
export function verifyCommand(plan: RotationPlan, username: string): string {
  return shellCommand(
    'sf jwt-setup login',
    '--username',
    username,
    '--client-id',
    plan.consumerKey,
    '--jwt-key-file',
    plan.newKey.keyFile,
    '--instance-url',
    plan.loginUrl,
    '--wait',
    '10',
  );
}

/**
 * The rotation of another org's app that shares this consumer key and key (a sandbox copied from production), to the
 * same new key, so that one pipeline secret keeps working for all of them.
 */
export function otherOrgCommand(
  plan: RotationPlan,
  other: { username: string; orgId: string; instanceUrl?: string; keyFile: string; admin?: string },
): string {
  return shellCommand(
    'sf jwt-setup rotate',
    '--target-org',
    other.admin ?? { placeholder: `<an admin login of ${other.orgId}>` },
    '--app',
    plan.app,
    '--username',
    other.username,
    '--jwt-key-file',
    other.keyFile,
    '--new-key-file',
    plan.newKey.keyFile,
    '--new-certificate-file',
    plan.newKey.certificateFile,
    ...(other.instanceUrl ? ['--instance-url', other.instanceUrl] : []),
  );
}
