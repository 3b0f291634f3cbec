/*
 * What fleet login and fleet check report per org, and the outcome across orgs: plain data that the command line
 * renders as a table, --json, annotations and a step summary. Never a token, never a key.
 */
import { jwtError, type JwtSetupError } from '../errors.js';

export type FleetOrgResult = {
  alias: string;
  username: string;
  /** Known once the org answered a login. */
  orgId?: string;
  instanceUrl?: string;
  /** The login host the org was logged in (or checked) at. */
  loginUrl?: string;
  status: 'ok' | 'warn' | 'failed';
  /** For a failed org: the code `login` raises for the same failure (UserNotApproved), or the failed check's id. */
  code?: string;
  message?: string;
  durationMs: number;
};

export type FleetOutcome<T extends FleetOrgResult> = {
  orgs: T[];
  /** Orgs that are fine. */
  ok: number;
  failed: number;
};

/** The org results counted. */
export function outcomeOf<T extends FleetOrgResult>(orgs: T[]): FleetOutcome<T> {
  return {
    orgs,
    ok: orgs.filter((o) => o.status !== 'failed').length,
    failed: orgs.filter((o) => o.status === 'failed').length,
  };
}

/**
 * FleetPartiallyFailed for `failing` orgs of `total`, naming each alias with its code; the whole report goes in the
 * error's data, where sf puts a failed command's data in --json.
 */
export function fleetFailure(failing: FleetOrgResult[], total: number, data: object): JwtSetupError {
  const list = failing.map((o) => `${o.alias} (${o.code ?? o.status})`).join(', ');
  const error = jwtError(
    'FleetPartiallyFailed',
    [failing.length, total, list],
    [failing.map((o) => o.alias).join(',')],
  );
  error.setData(data as unknown as Parameters<JwtSetupError['setData']>[0]);
  return error;
}
