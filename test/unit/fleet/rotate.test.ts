/*
 * fleet rotate's coordination over plain per-org steps (no module mocked: the steps are functions that record what
 * they were asked and answer as each case needs): the pre-flight before any change, refusals and mismatches, the dry
 * run, one key, previous certificates before the first swap, bounded swaps that stop after a refusal, one deadline
 * for every verification, all-or-nothing rollback, a failed rollback's command, the store re-pointed once, and a
 * re-run counting orgs already on the new certificate; --push's step after every verification and before the store,
 * and a failed push rolling every org back before its writes are undone, the store untouched.
 */
import { expect } from 'chai';
import {
  rotateFleet,
  type FleetRotateEvent,
  type FleetRotateSteps,
  type OrgPreflight,
  type PushStep,
} from '../../../src/fleet/rotate.js';

type Plan = { alias: string };
type Key = { id: string };

class Refusal extends Error {
  public constructor(
    public readonly code: string,
    public readonly applied = false,
  ) {
    super(`${code} happened`);
  }
}

type Script = {
  preflight?: Record<string, OrgPreflight<Plan> | Refusal>;
  swap?: Record<string, Refusal>;
  verify?: Record<string, Refusal>;
  rollback?: Record<string, Refusal>;
  swapDelayMs?: number;
  /** --push: absent, 'ok', 'fail' (a write refused: ok false) or 'throw' (an unexpected error). */
  push?: 'ok' | 'fail' | 'throw';
};

/** Steps that log every call as "step:alias" and fail as the script says. */
function world(script: Script = {}): {
  steps: FleetRotateSteps<Plan, Key, string[]>;
  calls: string[];
  maxConcurrentSwaps: () => number;
  deadlines: number[];
} {
  const calls: string[] = [];
  const deadlines: number[] = [];
  let running = 0;
  let peak = 0;
  const fail = (table: Record<string, Refusal> | undefined, alias: string): void => {
    const error = table?.[alias];
    if (error) throw error;
  };
  const steps: FleetRotateSteps<Plan, Key, string[]> = {
    async preflight(alias) {
      calls.push(`preflight:${alias}`);
      await Promise.resolve();
      const scripted = script.preflight?.[alias];
      if (scripted instanceof Refusal) throw scripted;
      return scripted ?? { status: 'ready', plan: { alias } };
    },
    async newKey() {
      calls.push('newKey');
      return Promise.resolve({ id: 'new' });
    },
    async savePrevious(alias) {
      calls.push(`savePrevious:${alias}`);
      return Promise.resolve();
    },
    async swap(alias, plan, key) {
      calls.push(`swap:${alias}`);
      expect(plan.alias).to.equal(alias);
      expect(key.id).to.equal('new');
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, script.swapDelayMs ?? 1));
      running--;
      fail(script.swap, alias);
      return { deployId: `0Af${alias}` };
    },
    swapMayHaveApplied: (error) => error instanceof Refusal && error.applied,
    unreachable: (error) => error instanceof Refusal && error.code === 'NetworkError',
    async verify(alias, _plan, _key, deadline) {
      calls.push(`verify:${alias}`);
      deadlines.push(deadline);
      await Promise.resolve();
      fail(script.verify, alias);
    },
    async rollback(alias) {
      calls.push(`rollback:${alias}`);
      await Promise.resolve();
      fail(script.rollback, alias);
      return { deployId: `0Afback${alias}`, oldKeyVerified: true };
    },
    rollbackCommand: (alias) => `sf jwt-setup rotate --target-org ${alias}-admin --force`,
    async repoint(rotated) {
      calls.push(`repoint:${rotated.map((r) => r.alias).join(',')}`);
      return Promise.resolve(rotated.map((r) => r.alias));
    },
    describeFailure: (error) => ({
      code: error instanceof Refusal ? error.code : 'Unexpected',
      message: error instanceof Error ? error.message : String(error),
    }),
  };
  if (script.push) {
    const outcome = script.push;
    steps.push = async (rotated, key): Promise<PushStep> => {
      calls.push(`push:${rotated.map((r) => r.alias).join(',')}:${key.id}`);
      await Promise.resolve();
      if (outcome === 'throw') throw new Refusal('PushApiFailed');
      const undo = async (): Promise<void> => {
        calls.push('undoPush');
        return Promise.resolve();
      };
      return outcome === 'ok'
        ? { ok: true, undo }
        : { ok: false, failure: { code: 'SecretPushFailed', message: 'gh:o/r SF_JWT_KEY_UAT: 502' }, undo };
    };
  }
  return { steps, calls, maxConcurrentSwaps: () => peak, deadlines };
}

const options = (
  aliases: string[],
  more: Partial<Parameters<typeof rotateFleet>[1]> = {},
): Parameters<typeof rotateFleet>[1] => ({
  aliases,
  concurrency: 4,
  waitMs: 60_000,
  dryRun: false,
  skipMismatched: false,
  ...more,
});

const changing = (calls: string[]): string[] => calls.filter((c) => !c.startsWith('preflight:'));
const mismatch = (): OrgPreflight<Plan> => ({
  status: 'refused',
  code: 'CertificateMismatch',
  message: 'holds another certificate',
  mismatch: true,
});

describe('fleet rotate: the coordination', () => {
  it('rotates every org: pre-flight all, one key, previous certificates before any swap, verify all, re-point once', async () => {
    const w = world();
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev']));
    expect(out.status).to.equal('rotated');
    expect(out.repoint).to.deep.equal(['prod', 'uat', 'dev']);
    expect(out.keyWritten).to.equal(true);
    const firstSwap = w.calls.findIndex((c) => c.startsWith('swap:'));
    const lastPreflight = w.calls.map((c) => c.startsWith('preflight:')).lastIndexOf(true);
    const lastSave = w.calls.map((c) => c.startsWith('savePrevious:')).lastIndexOf(true);
    expect(lastPreflight).to.be.lessThan(w.calls.indexOf('newKey'));
    expect(w.calls.indexOf('newKey')).to.be.lessThan(lastSave);
    expect(lastSave).to.be.lessThan(firstSwap);
    expect(w.calls.filter((c) => c === 'newKey')).to.have.length(1);
    expect(w.calls.filter((c) => c.startsWith('repoint:'))).to.deep.equal(['repoint:prod,uat,dev']);
    expect(out.orgs.map((o) => [o.alias, o.state, o.deployed, o.deployId, o.verified, o.rolledBack])).to.deep.equal([
      ['prod', 'rotated', true, '0Afprod', true, false],
      ['uat', 'rotated', true, '0Afuat', true, false],
      ['dev', 'rotated', true, '0Afdev', true, false],
    ]);
    // One deadline for all the waiting.
    expect(new Set(w.deadlines).size).to.equal(1);
  });

  it('a refused pre-flight anywhere changes nothing anywhere, and reports each org', async () => {
    const w = world({ preflight: { uat: new Refusal('AppNotFound') } });
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev']));
    expect(out.status).to.equal('preflight-failed');
    expect(changing(w.calls)).to.deep.equal([]);
    expect(out.orgs.map((o) => [o.alias, o.state, o.code ?? null])).to.deep.equal([
      ['prod', 'unchanged', null],
      ['uat', 'refused', 'AppNotFound'],
      ['dev', 'unchanged', null],
    ]);
  });

  it('a mismatched org is refused by name before any change; --skip-mismatched rotates the others', async () => {
    const w = world({ preflight: { partner: mismatch() } });
    const out = await rotateFleet(w.steps, options(['prod', 'partner', 'dev']));
    expect(out.status).to.equal('preflight-failed');
    expect(changing(w.calls)).to.deep.equal([]);
    expect(out.orgs.find((o) => o.alias === 'partner')).to.include({ state: 'refused', code: 'CertificateMismatch' });

    const again = world({ preflight: { partner: mismatch() } });
    const skipped = await rotateFleet(again.steps, options(['prod', 'partner', 'dev'], { skipMismatched: true }));
    expect(skipped.status).to.equal('rotated');
    expect(again.calls).not.to.include('swap:partner');
    expect(again.calls).to.include('repoint:prod,dev');
    expect(skipped.orgs.map((o) => [o.alias, o.state])).to.deep.equal([
      ['prod', 'rotated'],
      ['partner', 'skipped'],
      ['dev', 'rotated'],
    ]);
  });

  it('--skip-mismatched does not skip other refusals', async () => {
    const w = world({ preflight: { partner: mismatch(), dev: new Refusal('AdminOrgUnreachable') } });
    const out = await rotateFleet(w.steps, options(['prod', 'partner', 'dev'], { skipMismatched: true }));
    expect(out.status).to.equal('preflight-failed');
    expect(changing(w.calls)).to.deep.equal([]);
  });

  it('a dry run pre-flights every org and changes nothing', async () => {
    const w = world();
    const out = await rotateFleet(w.steps, options(['prod', 'uat'], { dryRun: true }));
    expect(out.status).to.equal('dry-run');
    expect(changing(w.calls)).to.deep.equal([]);
    expect(out.orgs.map((o) => o.state)).to.deep.equal(['planned', 'planned']);
  });

  it('an org that never verifies puts every org back, each verified with the old key', async () => {
    const w = world({ verify: { uat: new Refusal('InvalidAssertion') } });
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev']));
    expect(out.status).to.equal('rolled-back');
    expect(w.calls.filter((c) => c.startsWith('rollback:')).sort()).to.deep.equal([
      'rollback:dev',
      'rollback:prod',
      'rollback:uat',
    ]);
    expect(w.calls.some((c) => c.startsWith('repoint:'))).to.equal(false);
    expect(out.orgs.map((o) => [o.alias, o.state, o.verified, o.rolledBack, o.code ?? null])).to.deep.equal([
      ['prod', 'rolled-back', true, true, null],
      ['uat', 'rolled-back', false, true, 'InvalidAssertion'],
      ['dev', 'rolled-back', true, true, null],
    ]);
    expect(out.orgs[0]).to.include({ rollbackDeployId: '0Afbackprod', oldKeyVerified: true });
  });

  it('a refused deploy in the second org: no further swap starts, the first is put back, the refused one is not touched', async () => {
    const w = world({ swap: { uat: new Refusal('DeployFailed') } });
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev'], { concurrency: 1 }));
    expect(out.status).to.equal('rolled-back');
    expect(changing(w.calls).filter((c) => !c.startsWith('savePrevious:'))).to.deep.equal([
      'newKey',
      'swap:prod',
      'swap:uat',
      'rollback:prod',
    ]);
    expect(out.orgs.map((o) => [o.alias, o.state, o.deployed, o.rolledBack, o.code ?? null])).to.deep.equal([
      ['prod', 'rolled-back', true, true, null],
      ['uat', 'unchanged', false, false, 'DeployFailed'],
      ['dev', 'unchanged', false, false, null],
    ]);
  });

  it('a swap whose outcome is unknown (an unreachable org) is put back too', async () => {
    const w = world({ swap: { uat: new Refusal('DeployTimedOut', true) } });
    const out = await rotateFleet(w.steps, options(['prod', 'uat'], { concurrency: 1 }));
    expect(out.status).to.equal('rolled-back');
    expect(w.calls).to.include.members(['rollback:prod', 'rollback:uat']);
  });

  it('a rollback that fails names the org and its command; the others are still put back', async () => {
    const w = world({
      verify: { uat: new Refusal('InvalidAssertion') },
      rollback: { dev: new Refusal('DeployFailed') },
    });
    const events: FleetRotateEvent[] = [];
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev'], { onEvent: (e) => events.push(e) }));
    expect(out.status).to.equal('rollback-failed');
    expect(out.orgs.map((o) => [o.alias, o.state, o.command ?? null])).to.deep.equal([
      ['prod', 'rolled-back', null],
      ['uat', 'rolled-back', null],
      ['dev', 'rollback-failed', 'sf jwt-setup rotate --target-org dev-admin --force'],
    ]);
    expect(out.orgs[2]).to.include({ code: 'DeployFailed' });
    expect(events.filter((e) => e.type === 'rollback-failed')).to.have.length(1);
  });

  it('an org that stops answering mid-run: the others are put back, no rollback is tried there, its command is reported', async () => {
    const w = world({ verify: { uat: new Refusal('NetworkError') } });
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev']));
    expect(out.status).to.equal('rollback-failed');
    expect(w.calls.filter((c) => c.startsWith('rollback:')).sort()).to.deep.equal(['rollback:dev', 'rollback:prod']);
    expect(out.orgs.map((o) => [o.alias, o.state, o.code ?? null, o.command ?? null])).to.deep.equal([
      ['prod', 'rolled-back', null, null],
      ['uat', 'unreachable', 'NetworkError', 'sf jwt-setup rotate --target-org uat-admin --force'],
      ['dev', 'rolled-back', null, null],
    ]);
  });

  it('at most --concurrency swaps run at once', async () => {
    const w = world({ swapDelayMs: 20 });
    const aliases = Array.from({ length: 9 }, (_, i) => `org${i}`);
    const out = await rotateFleet(w.steps, options(aliases, { concurrency: 3 }));
    expect(out.status).to.equal('rotated');
    expect(w.maxConcurrentSwaps()).to.equal(3);
  });

  it('a re-run counts orgs already on the new certificate as done: no second swap, verified, re-pointed', async () => {
    const w = world({ preflight: { prod: { status: 'done', plan: { alias: 'prod' }, canRollBack: true } } });
    const out = await rotateFleet(w.steps, options(['prod', 'uat']));
    expect(out.status).to.equal('rotated');
    expect(w.calls).not.to.include('swap:prod');
    expect(w.calls).not.to.include('savePrevious:prod');
    expect(w.calls).to.include.members(['verify:prod', 'swap:uat', 'repoint:prod,uat']);
    expect(out.orgs[0]).to.include({ state: 'rotated', alreadyRotated: true, deployed: false, verified: true });
  });

  it('a re-run that fails puts back the orgs an earlier run swapped, where their previous certificate is known', async () => {
    const w = world({
      preflight: {
        prod: { status: 'done', plan: { alias: 'prod' }, canRollBack: true },
        dev: { status: 'done', plan: { alias: 'dev' }, canRollBack: false },
      },
      verify: { uat: new Refusal('InvalidAssertion') },
    });
    const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev']));
    expect(out.status).to.equal('rolled-back');
    expect(w.calls).to.include.members(['rollback:prod', 'rollback:uat']);
    expect(w.calls).not.to.include('rollback:dev');
  });

  describe('--push', () => {
    it('pushes once, after every org is verified and before the store is re-pointed', async () => {
      const w = world({ push: 'ok' });
      const events: FleetRotateEvent[] = [];
      const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev'], { onEvent: (e) => events.push(e) }));
      expect(out).to.include({ status: 'rotated', pushFailed: false });
      const lastVerify = w.calls.map((c) => c.startsWith('verify:')).lastIndexOf(true);
      const push = w.calls.indexOf('push:prod,uat,dev:new');
      expect(w.calls.filter((c) => c.startsWith('push:'))).to.deep.equal(['push:prod,uat,dev:new']);
      expect(lastVerify).to.be.lessThan(push);
      expect(push).to.be.lessThan(w.calls.indexOf('repoint:prod,uat,dev'));
      expect(w.calls).not.to.include('undoPush');
      expect(w.calls.some((c) => c.startsWith('rollback:'))).to.equal(false);
      expect(events.map((e) => e.type)).to.include('pushed');
    });

    it('a failed push rolls every org back, then undoes its writes; the store is never re-pointed', async () => {
      const w = world({ push: 'fail' });
      const events: FleetRotateEvent[] = [];
      const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev'], { onEvent: (e) => events.push(e) }));
      expect(out).to.include({ status: 'push-failed', pushFailed: true, keyWritten: true });
      expect(out.repoint).to.equal(undefined);
      expect(w.calls.some((c) => c.startsWith('repoint:'))).to.equal(false);
      const rollbacks = w.calls.filter((c) => c.startsWith('rollback:'));
      expect([...rollbacks].sort()).to.deep.equal(['rollback:dev', 'rollback:prod', 'rollback:uat']);
      // The certificates go back first (the secrets may still hold the old key), then the secrets.
      const lastRollback = w.calls.map((c) => c.startsWith('rollback:')).lastIndexOf(true);
      expect(w.calls.indexOf('push:prod,uat,dev:new')).to.be.lessThan(w.calls.indexOf('rollback:prod'));
      expect(lastRollback).to.be.lessThan(w.calls.indexOf('undoPush'));
      expect(w.calls.at(-1)).to.equal('undoPush');
      expect(out.orgs.map((o) => [o.alias, o.state, o.verified, o.rolledBack, o.code ?? null])).to.deep.equal([
        ['prod', 'rolled-back', true, true, null],
        ['uat', 'rolled-back', true, true, null],
        ['dev', 'rolled-back', true, true, null],
      ]);
      expect(events.find((e) => e.type === 'push-failed')).to.deep.equal({
        type: 'push-failed',
        code: 'SecretPushFailed',
        message: 'gh:o/r SF_JWT_KEY_UAT: 502',
      });
    });

    it('a push that throws is a failed push too: every org put back, nothing to undo, the store untouched', async () => {
      const w = world({ push: 'throw' });
      const events: FleetRotateEvent[] = [];
      const out = await rotateFleet(w.steps, options(['prod', 'uat'], { onEvent: (e) => events.push(e) }));
      expect(out).to.include({ status: 'push-failed', pushFailed: true });
      expect(w.calls).to.include.members(['rollback:prod', 'rollback:uat']);
      expect(w.calls).not.to.include('undoPush');
      expect(w.calls.some((c) => c.startsWith('repoint:'))).to.equal(false);
      expect(events.find((e) => e.type === 'push-failed')).to.include({ code: 'PushApiFailed' });
    });

    it('a failed push whose rollback fails somewhere ends rollback-failed, and still undoes its writes', async () => {
      const w = world({ push: 'fail', rollback: { uat: new Refusal('DeployFailed') } });
      const out = await rotateFleet(w.steps, options(['prod', 'uat', 'dev']));
      expect(out).to.include({ status: 'rollback-failed', pushFailed: true });
      expect(out.orgs[1]).to.include({ state: 'rollback-failed', code: 'DeployFailed' });
      expect(w.calls.at(-1)).to.equal('undoPush');
    });

    it('no push when a verification fails, nor in a dry run, nor after a refused pre-flight', async () => {
      const verify = world({ push: 'ok', verify: { uat: new Refusal('InvalidAssertion') } });
      expect((await rotateFleet(verify.steps, options(['prod', 'uat']))).status).to.equal('rolled-back');
      const dry = world({ push: 'ok' });
      expect((await rotateFleet(dry.steps, options(['prod', 'uat'], { dryRun: true }))).status).to.equal('dry-run');
      const refused = world({ push: 'ok', preflight: { uat: new Refusal('AppNotFound') } });
      expect((await rotateFleet(refused.steps, options(['prod', 'uat']))).status).to.equal('preflight-failed');
      for (const w of [verify, dry, refused]) {
        expect(w.calls.some((c) => c.startsWith('push:') || c === 'undoPush')).to.equal(false);
      }
    });

    it('orgs skipped as mismatched are not pushed: only the rotated ones', async () => {
      const w = world({ push: 'ok', preflight: { partner: mismatch() } });
      const out = await rotateFleet(w.steps, options(['prod', 'partner', 'dev'], { skipMismatched: true }));
      expect(out.status).to.equal('rotated');
      expect(w.calls).to.include('push:prod,dev:new');
    });
  });
});
