/*
 * `fleet rotate`'s coordination: one new key for every org that trusts the old one, all or nothing. This module is
 * only the order and the bookkeeping; every step that touches an org, a file or the sf store is `rotate`'s own
 * (src/rotate/), handed in per org as FleetRotateSteps (rotate-steps.ts builds them), so the coordination is tested
 * over plain functions and nothing here deploys or logs in by itself.
 *
 *  1. Pre-flight every org (bounded concurrency) before anything changes. An org that refuses stops the whole run
 *     (FleetPreflightFailed, with each org's own code); an org whose app holds another certificate (CertificateMismatch)
 *     does too, unless skipMismatched, when it is reported as skipped. An org that already holds the new certificate
 *     (a re-run after a kill, with the same --new-key-file) counts as swapped.
 *  2. Dry run: the plans, nothing written.
 *  3. The new key pair once, then every org's previous certificate saved (the way back exists before any swap).
 *  4. The swaps, at most `concurrency` at once; after a refusal no further swap starts.
 *  5. Every changed org verified with the new key, all within one deadline.
 *  6. Any refusal or unverified org: every org that was (or may have been) changed is put back and verified with the
 *     old key; a rollback that fails names the org and the command that puts it back.
 *  7. All verified: with --push, every org's key secret written (the `push` step), then the sf store re-pointed once,
 *     for the rotated orgs only. A push that fails rolls every changed org back as in 6 (the pipeline's secrets may
 *     still hold the old key), then undoes what it wrote; the store is left untouched ('push-failed').
 */
/* eslint-disable no-param-reassign -- the entries are this function's own records, updated as the steps answer */
import { mapLimit } from './pool.js';

/** What the pre-flight found in one org. */
export type OrgPreflight<P> =
  /** The app holds the current key's certificate, and the current key logs in: to be swapped. */
  | { status: 'ready'; plan: P }
  /**
   * The app holds the new certificate already (a re-run with the same --new-key-file): counted as swapped, verified
   * with the others, and put back with them when `canRollBack` (its previous certificate was saved by the earlier run).
   */
  | { status: 'done'; plan: P; canRollBack: boolean }
  /** Refused: the org's own code; `mismatch` for an app that holds another certificate (CertificateMismatch). */
  | { status: 'refused'; code: string; message: string; mismatch: boolean };

/** A failed step: its code and message, and for a swap whether the org may hold the new certificate anyway. */
export type StepFailure = { code: string; message: string; error: unknown };

export type RollbackReport = { deployId?: string; oldKeyVerified: boolean | null };

/** What the `push` step answers: whether every secret was written, and how to put back what was (after a failure). */
export type PushStep = { ok: boolean; failure?: { code: string; message: string }; undo(): Promise<void> };

/** Every step that touches the world, per org; all but `preflight` and `describeFailure` are skipped in a dry run. */
export type FleetRotateSteps<P, K, R> = {
  preflight(alias: string): Promise<OrgPreflight<P>>;
  /** The new key pair, made (or read) and written once, beside the old one. */
  newKey(): Promise<K>;
  savePrevious(alias: string, plan: P): Promise<void>;
  /** Deploy the new certificate; resolves with the deploy id, throws when it did not succeed. */
  swap(alias: string, plan: P, key: K): Promise<{ deployId: string }>;
  /** Whether the org may hold the new certificate after `swap` threw (a lost reply, a time-out), not only a refusal. */
  swapMayHaveApplied(error: unknown): boolean;
  /**
   * Whether a failed swap or verification means the org does not answer (the network, an outage): no rollback deploy
   * is started there, since it would fail the same way; its command is reported instead.
   */
  unreachable(error: unknown): boolean;
  /** Log in with the new key, riding out propagation until `deadline` (ms); throws when it never does. */
  verify(alias: string, plan: P, key: K, deadline: number): Promise<void>;
  /** Put the previous certificate back and log in with the old key; throws when either fails. */
  rollback(alias: string, plan: P, key: K): Promise<RollbackReport>;
  /** The command that puts this org back by hand, with real values. */
  rollbackCommand(alias: string, plan: P, key: K): string;
  /**
   * --push: every rotated org's key secret to every target, after every org is verified and before the store. Absent
   * without --push. `ok: false` (or a throw) rolls every changed org back; then `undo` puts the secrets back.
   */
  push?(rotated: Array<{ alias: string; plan: P }>, key: K): Promise<PushStep>;
  /** Re-point the stored logins of the rotated orgs to the new key, once. */
  repoint(rotated: Array<{ alias: string; plan: P }>, key: K): Promise<R>;
  describeFailure(error: unknown): { code: string; message: string };
};

export type FleetRotateOptions = {
  aliases: string[];
  concurrency: number;
  waitMs: number;
  dryRun: boolean;
  skipMismatched: boolean;
  now?: () => number;
  onEvent?: (event: FleetRotateEvent) => void;
};

export type FleetRotateEvent =
  | { type: 'preflight'; alias: string; result: OrgPreflight<unknown> }
  | { type: 'key' }
  | { type: 'previous-saved'; alias: string }
  | { type: 'swapped'; alias: string; deployId: string }
  | { type: 'swap-failed'; alias: string; code: string; message: string }
  | { type: 'verified'; alias: string }
  | { type: 'verify-failed'; alias: string; code: string; message: string }
  | { type: 'pushed' }
  | { type: 'push-failed'; code?: string; message?: string }
  | { type: 'push-undone' }
  | { type: 'rollback-start'; aliases: string[] }
  | { type: 'rolled-back'; alias: string }
  | { type: 'rollback-failed'; alias: string; code: string; command: string }
  | { type: 'repointed' };

/** Where each org stands at the end. */
export type FleetOrgState =
  /** Dry run: would be rotated. */
  | 'planned'
  /** Holds the new certificate, verified (rotated now or, `alreadyRotated`, by an earlier run). */
  | 'rotated'
  /** Put back on the previous certificate, and the old key logs in. */
  | 'rolled-back'
  /** Could not be put back: see `command`. */
  | 'rollback-failed'
  /** Stopped answering mid-run, so no rollback was tried there: see `command`. */
  | 'unreachable'
  /** Not changed: no swap reached it (a refusal elsewhere stopped the run, or its own deploy was refused). */
  | 'unchanged'
  /** Refused in the pre-flight (nothing anywhere was changed, unless skipped). */
  | 'refused'
  /** Mismatched and left alone under --skip-mismatched. */
  | 'skipped';

export type FleetOrgReport<P> = {
  alias: string;
  state: FleetOrgState;
  plan?: P;
  alreadyRotated: boolean;
  deployed: boolean;
  deployId?: string;
  verified: boolean;
  rolledBack: boolean;
  rollbackDeployId?: string;
  oldKeyVerified?: boolean | null;
  /** The org's own failure (its pre-flight refusal, its refused deploy, its failed verification or rollback). */
  code?: string;
  message?: string;
  /** For an org that could not be put back: the command that does it. */
  command?: string;
};

export type FleetRotateOutcome<P, R> = {
  /**
   * rotated: every selected org (but skipped ones) holds the new certificate, verified, and the store is re-pointed;
   * dry-run; preflight-failed: nothing changed anywhere; rolled-back: every changed org is back; push-failed: every
   * org verified, but --push failed, so every changed org is back and the store untouched; rollback-failed: some are
   * not back (see their `command`).
   */
  status: 'rotated' | 'dry-run' | 'preflight-failed' | 'rolled-back' | 'push-failed' | 'rollback-failed';
  orgs: Array<FleetOrgReport<P>>;
  repoint?: R;
  /** Whether the new key files were written by this run. */
  keyWritten: boolean;
  /** --push failed after every org was verified (the cause of the rollback); its details are the push step's. */
  pushFailed: boolean;
};

type Entry<P> = FleetOrgReport<P> & { preflight?: OrgPreflight<P>; mayHoldNew: boolean; unreachable?: boolean };

export async function rotateFleet<P, K, R>(
  steps: FleetRotateSteps<P, K, R>,
  options: FleetRotateOptions,
): Promise<FleetRotateOutcome<P, R>> {
  const emit = options.onEvent ?? ((): void => undefined);
  const now = options.now ?? Date.now;
  const limit = Math.max(1, options.concurrency);
  const entries: Array<Entry<P>> = options.aliases.map((alias) => ({
    alias,
    state: 'unchanged',
    alreadyRotated: false,
    deployed: false,
    verified: false,
    rolledBack: false,
    mayHoldNew: false,
  }));
  let pushFailed = false;
  let undoPush: (() => Promise<void>) | undefined;
  const report = (
    status: FleetRotateOutcome<P, R>['status'],
    keyWritten: boolean,
    repoint?: R,
  ): FleetRotateOutcome<P, R> => ({
    status,
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    orgs: entries.map(({ preflight, mayHoldNew, unreachable, ...org }) => org),
    keyWritten,
    pushFailed,
    ...(repoint !== undefined ? { repoint } : {}),
  });

  // 1. Pre-flight, every org, nothing changed.
  await mapLimit(entries, limit, async (entry) => {
    let result: OrgPreflight<P>;
    try {
      result = await steps.preflight(entry.alias);
    } catch (error) {
      const { code, message } = steps.describeFailure(error);
      result = { status: 'refused', code, message, mismatch: false };
    }
    entry.preflight = result;
    if (result.status === 'refused') {
      Object.assign(entry, { state: 'refused', code: result.code, message: result.message });
    } else {
      entry.plan = result.plan;
      entry.alreadyRotated = result.status === 'done';
    }
    emit({ type: 'preflight', alias: entry.alias, result });
  });
  const refused = entries.filter((e) => e.preflight?.status === 'refused');
  const blocking = refused.filter((e) => !(options.skipMismatched && isMismatch(e.preflight)));
  for (const e of refused) if (!blocking.includes(e)) e.state = 'skipped';
  const selected = entries.filter((e) => e.plan !== undefined);
  if (blocking.length > 0 || selected.length === 0) return report('preflight-failed', false);

  if (options.dryRun) {
    for (const e of selected) e.state = 'planned';
    return report('dry-run', false);
  }

  // 2. One new key pair; 3. every previous certificate saved before the first swap.
  const key = await steps.newKey();
  emit({ type: 'key' });
  const toSwap = selected.filter((e) => e.preflight?.status === 'ready');
  await mapLimit(toSwap, limit, async (e) => {
    await steps.savePrevious(e.alias, e.plan as P);
    emit({ type: 'previous-saved', alias: e.alias });
  });
  for (const e of selected) {
    if (e.preflight?.status === 'done') e.mayHoldNew = e.preflight.canRollBack;
  }

  // 4. The swaps; after one refusal no further swap starts (those in flight finish).
  let failed = false;
  await mapLimit(toSwap, limit, async (e) => {
    if (failed) return;
    try {
      const { deployId } = await steps.swap(e.alias, e.plan as P, key);
      Object.assign(e, { deployed: true, deployId, mayHoldNew: true });
      emit({ type: 'swapped', alias: e.alias, deployId });
    } catch (error) {
      failed = true;
      const { code, message } = steps.describeFailure(error);
      Object.assign(e, {
        code,
        message,
        mayHoldNew: steps.swapMayHaveApplied(error),
        unreachable: steps.unreachable(error),
      });
      emit({ type: 'swap-failed', alias: e.alias, code, message });
    }
  });

  // 5. Verify every org on the new certificate, all within one --wait.
  if (!failed) {
    const deadline = now() + options.waitMs;
    await mapLimit(selected, limit, async (e) => {
      try {
        await steps.verify(e.alias, e.plan as P, key, deadline);
        e.verified = true;
        emit({ type: 'verified', alias: e.alias });
      } catch (error) {
        failed = true;
        const { code, message } = steps.describeFailure(error);
        Object.assign(e, { code, message, unreachable: steps.unreachable(error) });
        emit({ type: 'verify-failed', alias: e.alias, code, message });
      }
    });
  }

  // 7. --push after every org is verified, before the store; a failure rolls back as any other.
  if (!failed && steps.push) {
    const rotated = selected.map((e) => ({ alias: e.alias, plan: e.plan as P }));
    try {
      const pushed = await steps.push(rotated, key);
      undoPush = (): Promise<void> => pushed.undo();
      pushFailed = !pushed.ok;
      emit(pushed.ok ? { type: 'pushed' } : { type: 'push-failed', ...pushed.failure });
    } catch (error) {
      pushFailed = true;
      emit({ type: 'push-failed', ...steps.describeFailure(error) });
    }
    failed = pushFailed;
  }

  if (!failed) {
    // The store, once, for the rotated orgs only.
    for (const e of selected) e.state = 'rotated';
    const repoint = await steps.repoint(
      selected.map((e) => ({ alias: e.alias, plan: e.plan as P })),
      key,
    );
    emit({ type: 'repointed' });
    return report('rotated', true, repoint);
  }

  // 6. All or nothing: every org that holds (or may hold) the new certificate goes back.
  const back = selected.filter((e) => e.mayHoldNew);
  emit({ type: 'rollback-start', aliases: back.map((e) => e.alias) });
  let rollbackFailed = false;
  await mapLimit(back, limit, async (e) => {
    if (e.unreachable) {
      rollbackFailed = true;
      Object.assign(e, { state: 'unreachable', command: steps.rollbackCommand(e.alias, e.plan as P, key) });
      emit({ type: 'rollback-failed', alias: e.alias, code: e.code ?? '', command: e.command as string });
      return;
    }
    try {
      const result = await steps.rollback(e.alias, e.plan as P, key);
      Object.assign(e, {
        state: 'rolled-back',
        rolledBack: true,
        rollbackDeployId: result.deployId,
        oldKeyVerified: result.oldKeyVerified,
      });
      emit({ type: 'rolled-back', alias: e.alias });
    } catch (error) {
      rollbackFailed = true;
      const { code, message } = steps.describeFailure(error);
      const command = steps.rollbackCommand(e.alias, e.plan as P, key);
      // The org's first failure (why the run is rolled back) stays its code when it had one.
      Object.assign(e, { state: 'rollback-failed', command, code: e.code ?? code, message: e.message ?? message });
      emit({ type: 'rollback-failed', alias: e.alias, code, command });
    }
  });
  for (const e of selected) if (!back.includes(e)) e.state = 'unchanged';
  // The secrets the push wrote, after the certificates: the old key goes back where the pipeline reads it.
  if (undoPush) {
    await undoPush();
    emit({ type: 'push-undone' });
  }
  if (rollbackFailed) return report('rollback-failed', true);
  return report(pushFailed ? 'push-failed' : 'rolled-back', true);
}

function isMismatch(preflight: OrgPreflight<unknown> | undefined): boolean {
  return preflight?.status === 'refused' && preflight.mismatch;
}
