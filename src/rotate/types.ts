/*
 * What `rotate` takes, plans, reports while it works and returns: the types its steps share.
 */
import type { AppKind } from '../app/names.js';
import type { ConsumerKeySource } from '../app/consumer-key.js';
import type { CertificateInfo } from '../keys/certificate.js';
import type { LoadedKey } from '../keys/private-key.js';
import type { AdminOrg } from '../org/admin.js';
import type { CertificateComponent } from '../org/components.js';
import type { OrgStepEvent } from '../org/deploy.js';
import type { ErrorCode } from '../errors.js';
import type { RepointOutcome } from '../store/repoint.js';
import type { NewKeyOptions, NewKeyPlan } from './new-key.js';

export type RotationPlanOptions = NewKeyOptions & {
  targetOrg: string;
  app: string;
  username: string;
  clientId?: string;
  instanceUrl?: string;
  force: boolean;
  /** Milliseconds the retrieve may take. */
  waitMs: number;
};

export type RotationPlan = {
  admin: AdminOrg;
  app: string;
  kind: AppKind;
  component: CertificateComponent;
  consumerKey: string;
  consumerKeySource: ConsumerKeySource;
  /** The certificate the app holds now (put back by a rollback). */
  currentCertificate: CertificateInfo;
  /** The current key (--jwt-key-file); undefined when it is lost (--force). */
  oldKey?: LoadedKey;
  /** Whether the app's certificate belongs to the current key; null without the key. */
  oldKeyMatches: boolean | null;
  /** Whether the user logged in with the current key in the pre-flight. */
  currentLoginChecked: boolean;
  loginUrl: string;
  sandbox: boolean;
  newKey: NewKeyPlan;
  previousCertificateFile: string;
};

export type RotateOptions = Omit<RotationPlanOptions, 'waitMs'> & {
  waitMinutes: number;
  dryRun: boolean;
  /** For tests: the interval between login retries while waiting. */
  waitIntervalMs?: number;
  onEvent?: (event: RotateEvent) => void;
};

export type OldKeyCheck = {
  /** true: refused as expected; false: still accepted (propagation); null: another failure, or no old key. */
  refused: boolean | null;
  code?: ErrorCode;
};

export type RotateEvent =
  | OrgStepEvent
  | { type: 'preflight'; plan: RotationPlan }
  | { type: 'key'; action: NewKeyPlan['action']; keyFile: string; certificateFile: string }
  | { type: 'previous-saved'; file: string; command: string }
  | { type: 'verified'; username: string }
  | { type: 'old-key'; check: OldKeyCheck }
  | { type: 'rollback-start'; code: ErrorCode }
  | { type: 'repointed'; outcome: RepointOutcome; otherOrgs: OtherOrgRotation[] };

/** Another org's login that shares the consumer key and the old key: not re-pointed, with the command that rotates it. */
export type OtherOrgRotation = { username: string; orgId: string; command: string };

export type RotateOutcome = {
  plan: RotationPlan;
  dryRun: boolean;
  /** The new certificate (undefined in a dry run of a generated pair). */
  newCertificate?: CertificateInfo;
  newKeyFingerprint?: string;
  deployId?: string;
  verified: boolean;
  oldKey: OldKeyCheck;
  repoint?: RepointOutcome;
  otherOrgs: OtherOrgRotation[];
  /** The command that puts the previous certificate back. */
  rollbackCommand: string;
};

/** The new key and certificate of a run, once made. */
export type FreshKey = { key: LoadedKey; certificate: CertificateInfo };
