/*
 * A group of doctor's catalogue, as a contract: the check ids it reports, the conditions it requires (else it
 * reports its skips), the facts of other groups it needs and the facts it provides. A group reads the run's inputs
 * and the facts it declared, and returns its checks and its facts; nothing is shared or written between groups, so
 * the same groups can run for many orgs at once (fleet check).
 *
 * A need is a promise: a group may start its own work (reading the org) before awaiting a fact another group provides
 * (the exchange). The runner settles every need, with undefined when the provider found nothing or was skipped.
 */
import type { Check } from '../report/check.js';
import type { JwtSetupError } from '../errors.js';
import type { LoginAttempt, TokenGrant } from '../exchange/token.js';
import type { AssertionClaims } from '../jwt/assertion.js';
import type { CertificateInfo } from '../keys/certificate.js';
import type { LoadedKey } from '../keys/private-key.js';
import type { AdminOrg } from '../org/admin.js';
import type { OrgApp } from '../org/apps.js';
import type { OrgUser } from '../org/users.js';
import type { DoctorInputs } from './context.js';

/** What the exchange showed, as doctor's --json reports it. */
export type ExchangeFacts = {
  loginUrl: string;
  audience?: string;
  orgId?: string;
  instanceUrl?: string;
  scope?: string;
  attempts: LoginAttempt[];
  error?: { name: string; message: string };
};

/** The exchange group's outcome: the facts, the grant, or Salesforce's refusal (for the diagnosis and the org side). */
export type ExchangeOutcome = { facts: ExchangeFacts; grant?: TokenGrant; refusal?: JwtSetupError };

/** What the admin org said (doctor --admin-org): read by the org group, used by its checks and the diagnosis. */
export type OrgFacts = {
  admin: AdminOrg;
  apps: OrgApp[];
  /** The app that holds the consumer key (or the one --app names when the org withholds keys). */
  app?: OrgApp;
  /** Consumer keys were left out of the retrieve. */
  keysWithheld: boolean;
  user?: OrgUser;
  userPermissionSets: string[];
};

/** Every fact a group may provide, by name. */
export type Facts = {
  key: LoadedKey;
  certificate: CertificateInfo;
  claims: AssertionClaims;
  exchange: ExchangeOutcome;
  org: OrgFacts;
};
export type FactName = keyof Facts;

/** Conditions of the run's inputs a group requires; a group whose condition is missing reports its skips. */
export type Condition = 'network' | 'claims-inputs' | 'certificate-file' | 'admin-org' | 'dev-hub';

/** The facts a group needs, each settling once its provider has run (undefined: not found, or skipped). */
export type Needed<N extends FactName> = { readonly [K in N]: Promise<Facts[K] | undefined> };

export type GroupResult<Id extends string, P extends FactName> = {
  checks: Array<Check<Id>>;
  facts?: Partial<Pick<Facts, P>>;
};

export type CheckGroup<Id extends string = string, N extends FactName = FactName, P extends FactName = FactName> = {
  name: string;
  /** Every id this group's checks may carry. */
  ids: readonly Id[];
  requires: readonly Condition[];
  needs: readonly N[];
  provides: readonly P[];
  /** What the report lists when a required condition is missing. */
  skipped(condition: Condition, inputs: DoctorInputs): Array<Check<Id>>;
  run(inputs: DoctorInputs, needed: Needed<N>): Promise<GroupResult<Id, P>>;
  /**
   * Once every group has reported: replace this group's checks with what all of them show together (the exchange's
   * refusal, its causes ranked by the other checks). Reads only the facts and the checks.
   */
  review?(inputs: DoctorInputs, facts: Partial<Facts>, own: Array<Check<Id>>, all: Check[]): Array<Check<Id>>;
};

/** A group, typed by what it declares (the ids, needs and provides are inferred from the literal). */
export function defineGroup<Id extends string, N extends FactName = never, P extends FactName = never>(
  group: CheckGroup<Id, N, P>,
): CheckGroup<Id, N, P> {
  return group;
}

/** Whether the run's inputs meet `condition`. */
export function meets(condition: Condition, inputs: DoctorInputs): boolean {
  switch (condition) {
    case 'network':
      return !inputs.options.offline;
    case 'claims-inputs':
      return Boolean(
        inputs.clientId.value && inputs.username.value && inputs.loginUrl.value && inputs.audiences?.value,
      );
    case 'certificate-file':
      return Boolean(inputs.options.certificateFile);
    case 'admin-org':
      return Boolean(inputs.options.adminOrg);
    case 'dev-hub':
      return Boolean(inputs.options.devHub);
  }
}
