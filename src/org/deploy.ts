/*
 * The one deploy of the org-side workflows (bootstrap, rotate, rotate's rollback): events for the terminal (start,
 * progress, a lost reply, done), the outcome settled when a reply is lost, and every way it can end as a coded error.
 *
 * A deploy whose reply is lost (the connection dropped, Salesforce unresponsive) is not a refusal: its outcome is
 * unknown until the org says otherwise. Its status is asked again until the wait ends; with no deploy id (the reply to
 * the deploy request itself was lost), the caller's `observe` reads the org (a retrieve) and says whether the change
 * is there. What stays unknown is DeployOutcomeUnknown, naming what the org holds if it could be read.
 */
import type { Connection } from '@salesforce/core';
import { jwtError, reason, type JwtSetupError } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import { deployError, refusedDeployError } from './deploy-errors.js';
import {
  deploySource,
  describeFailure,
  DeployReplyLost,
  DeployStillRunning,
  until,
  type DeployOutcome,
  type DeployProgress,
  type DeploySource,
} from './metadata.js';

/** What the org-side workflows report while they deploy and wait; each workflow's events extend it. */
export type OrgStepEvent =
  | { type: 'deploy-start'; what: string }
  | { type: 'deploy-progress'; what: string; progress: DeployProgress }
  | { type: 'deploy-unknown'; what: string; deployId?: string; why: string }
  | { type: 'deploy-done'; what: string; outcome: DeployOutcome }
  | { type: 'exchange'; event: ExchangeEvent };

const ORG_STEP_TYPES: ReadonlySet<string> = new Set<OrgStepEvent['type']>([
  'deploy-start',
  'deploy-progress',
  'deploy-unknown',
  'deploy-done',
  'exchange',
]);

export function isOrgStepEvent<E extends { type: string }>(event: E | OrgStepEvent): event is OrgStepEvent {
  return ORG_STEP_TYPES.has(event.type);
}

/** What the org holds of a deploy's change, read back when its reply was lost. */
export type Observation = {
  /** true: the change is in the org; false: it is not (yet). */
  applied: boolean;
  /** What the org holds, in words, for DeployOutcomeUnknown ("the app CI holds the certificate AB:CD…, the old key's"). */
  holds: string;
  /** The same, as data for --json. */
  data?: Record<string, string | boolean | null>;
};

export type DeployRequest = {
  connection: Connection;
  /** What the deploy is, for messages: a component's or an app's name. */
  what: string;
  source: DeploySource;
  apiVersion?: string;
  waitMs: number;
  /** Where the deployed files are kept locally, for the refusal's fix. */
  localFiles: string;
  emit: (event: OrgStepEvent) => void;
  /** Reads the org back to tell whether this deploy's change is there (a retrieve). */
  observe: () => Promise<Observation>;
};

/** After a lost reply with no deploy id: how long the org is read back for a change that may still be queued. */
const OBSERVE_MS = 30_000;
const OBSERVE_INTERVAL_MS = 3000;
/** How long one read of the org may take. */
const READ_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Deploy, with events, and return the outcome of a deploy that succeeded (settled by its status or by the org when a
 * reply was lost). A refusal throws DeployFailed or ConnectedAppCreationBlocked; a deploy still running when the wait
 * ends DeployTimedOut; an outcome that stays unknown DeployOutcomeUnknown.
 */
export async function deployWithEvents(request: DeployRequest): Promise<DeployOutcome> {
  const { what, emit } = request;
  const deadline = Date.now() + request.waitMs;
  emit({ type: 'deploy-start', what });
  let outcome: DeployOutcome;
  let lostOnce = false;
  try {
    outcome = await deploySource({
      connection: request.connection,
      source: request.source,
      apiVersion: request.apiVersion,
      waitMs: request.waitMs,
      onProgress: (progress) => emit({ type: 'deploy-progress', what, progress }),
      onLostReply: (deployId, error) => {
        if (!lostOnce) emit({ type: 'deploy-unknown', what, deployId, why: describeFailure(error) });
        lostOnce = true;
      },
    });
    if (lostOnce) outcome = { ...outcome, settledBy: 'status' };
  } catch (error) {
    if (error instanceof DeployStillRunning) {
      throw jwtError('DeployTimedOut', [what, Math.round(request.waitMs / 1000), error.deployId], [error.deployId]);
    }
    if (!(error instanceof DeployReplyLost)) throw deployError(what, error, request.waitMs, request.localFiles);
    if (!lostOnce) emit({ type: 'deploy-unknown', what, deployId: error.deployId, why: describeFailure(error.reason) });
    outcome = await settleByReading(request, error, deadline);
  }
  emit({ type: 'deploy-done', what, outcome });
  if (!outcome.success) throw refusedDeployError(what, outcome, request.localFiles);
  return outcome;
}

/** A lost reply: read the org back until the change shows, or the time for it ends. */
async function settleByReading(
  request: DeployRequest,
  lost: DeployReplyLost,
  deadline: number,
): Promise<DeployOutcome> {
  // With an id, its status was asked until the wait ended: one reading says what the org holds now. Without one, the
  // deploy may still be queued: read for a little while.
  const readUntil = lost.deployId ? Date.now() : Math.min(deadline, Date.now() + OBSERVE_MS);
  let seen: Observation | undefined;
  let unreadable: unknown;
  for (;;) {
    try {
      // A read that Salesforce never answers counts as unreadable, not as a reason to wait forever.
      // eslint-disable-next-line no-await-in-loop
      const read = await until(request.observe(), Date.now() + READ_MS);
      if (!read) throw new Error(reason('deploy.noAnswer', [Math.round(READ_MS / 1000)]));
      seen = read;
      unreadable = undefined;
      if (seen.applied) {
        return {
          id: lost.deployId ?? '',
          status: 'Succeeded',
          success: true,
          failures: [],
          componentsDeployed: 0,
          componentsTotal: 0,
          rest: false,
          settledBy: 'org',
        };
      }
    } catch (error) {
      unreadable = error;
    }
    if (Date.now() + OBSERVE_INTERVAL_MS > readUntil) break;
    // eslint-disable-next-line no-await-in-loop
    await sleep(OBSERVE_INTERVAL_MS);
  }
  throw outcomeUnknown(request.what, lost, seen, unreadable);
}

function outcomeUnknown(
  what: string,
  lost: DeployReplyLost,
  seen: Observation | undefined,
  unreadable: unknown,
): JwtSetupError {
  const holds =
    unreadable === undefined && seen
      ? seen.holds
      : reason('deploy.orgUnreadable', [describeFailure(unreadable ?? lost.reason)]);
  const error = jwtError(
    'DeployOutcomeUnknown',
    [what, describeFailure(lost.reason), holds],
    [lost.deployId ?? reason('deploy.noId'), what],
    lost,
  );
  error.setData({
    deployId: lost.deployId ?? null,
    applied: unreadable === undefined && seen ? seen.applied : null,
    orgHolds: unreadable === undefined && seen ? (seen.data ?? seen.holds) : null,
  });
  return error;
}
