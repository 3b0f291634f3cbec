/*
 * What `bootstrap` takes, reports while it works, plans and returns: the types its steps share.
 */
import type { AppPlan } from '../app/generate.js';
import type { AppKind } from '../app/names.js';
import type { OrgStepEvent } from '../org/deploy.js';
import type { KeyPairPlan } from './key-pair.js';
import type { Preflight } from './preflight.js';

export type BootstrapOptions = {
  targetOrg: string;
  username: string;
  app: string;
  kind: AppKind;
  permissionSet?: string;
  profiles: string[];
  contactEmail?: string;
  scopes?: string;
  apiVersion?: string;
  keyFile?: string;
  certificateFile?: string;
  consumerKey?: string;
  outputDir: string;
  sourceDir: string;
  instanceUrl?: string;
  alias?: string;
  setDefault?: boolean;
  waitMinutes: number;
  dryRun: boolean;
  onEvent?: (event: BootstrapEvent) => void;
};

export type BootstrapEvent =
  | OrgStepEvent
  | { type: 'preflight'; org: string; orgId: string; username: string; userId: string }
  | { type: 'key'; action: KeyPairPlan['action']; keyFile: string; certificateFile: string }
  | { type: 'app-files'; files: string[] }
  | { type: 'deploy-skipped' }
  | { type: 'assignment'; permissionSet: string; result: 'created' | 'existing' };

export type BootstrapPlan = {
  preflight: Preflight;
  keyPair: KeyPairPlan;
  /** What would be deployed: the permission set (when the org lacks it) and the app (when it differs). */
  deploys: Array<'permission-set' | 'app'>;
  assignment: 'create' | 'existing' | 'none';
  loginUrl: string;
};

export type BootstrapOutcome = {
  plan: BootstrapPlan;
  dryRun: boolean;
  app?: AppPlan;
  deployIds: string[];
  /** The app's deploy, when it ran and its id is known. */
  appDeployId?: string;
  assignment?: 'created' | 'existing';
  login?: BootstrapLogin;
};

/** The verified login, as registered with the sf CLI. */
export type BootstrapLogin = {
  username: string;
  orgId: string;
  instanceUrl: string;
  loginUrl: string;
  audience: string;
  privateKeyFile: string;
};

/** A run's clock: --wait counts from the start, every step takes what is left of it. */
export type Clock = { deadline: number; leftMs(floorMs: number): number };

export function clockOf(waitMinutes: number): Clock {
  const deadline = Date.now() + waitMinutes * 60_000;
  return { deadline, leftMs: (floorMs) => Math.max(deadline - Date.now(), floorMs) };
}
