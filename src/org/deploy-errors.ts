/*
 * A deploy that did not succeed, as a coded error: DeployFailed with every component failure (type, name, Salesforce's
 * problem) in the message and in `data.failures`; ConnectedAppCreationBlocked when Salesforce refuses a new Connected
 * App (Spring '26); DeployTimedOut when it does not finish in time.
 */
import { jwtError, type JwtSetupError } from '../errors.js';
import type { ComponentFailure, DeployOutcome } from './metadata.js';

/** Salesforce's refusal of a new Connected App since Spring '26 (wordings vary: match the gist). */
const CONNECTED_APP_BLOCKED = /connected app/i;
const CREATION_REFUSED =
  /(can(no|')t|not (be )?(allowed|able|permitted)|no longer|blocked|disabled|contact salesforce)/i;

export function isConnectedAppBlock(failure: ComponentFailure): boolean {
  return (
    failure.type === 'ConnectedApp' &&
    CONNECTED_APP_BLOCKED.test(failure.problem) &&
    CREATION_REFUSED.test(failure.problem)
  );
}

/** One line a failure, as the command prints them. */
export function failureLines(failures: ComponentFailure[]): string {
  return failures.map((f) => `${f.type} ${f.name}: ${f.problem}`).join('\n');
}

export function refusedDeployError(what: string, outcome: DeployOutcome, localFiles: string): JwtSetupError {
  const blocked = outcome.failures.find(isConnectedAppBlock);
  const error = blocked
    ? jwtError('ConnectedAppCreationBlocked', [blocked.name], [blocked.name])
    : jwtError('DeployFailed', [what, outcome.status, failureLines(outcome.failures)], [localFiles]);
  error.setData({ deployId: outcome.id, status: outcome.status, failures: outcome.failures });
  return error;
}

/** A deploy that threw: SDR's polling timed out, or the request itself failed. */
export function deployError(what: string, error: unknown, waitMs: number, localFiles: string): JwtSetupError {
  const message = error instanceof Error ? error.message : String(error);
  const id = /\b0Af\w{12,15}\b/.exec(message)?.[0] ?? '-';
  if (/timed out|timeout/i.test(message)) {
    return jwtError('DeployTimedOut', [what, Math.round(waitMs / 1000), id], [id], error);
  }
  const failure: ComponentFailure = { type: '-', name: what, problem: message.slice(0, 500) };
  const coded = jwtError('DeployFailed', [what, 'Failed', failureLines([failure])], [localFiles], error);
  coded.setData({ failures: [failure] });
  return coded;
}
