/*
 * fleet rotate's coordination over plain per-org steps (no module mocked: the steps are functions that record what
 * they were asked and answer as each case needs): the pre-flight before any change, refusals and mismatches, the dry
 * run, one key, previous certificates before the first swap, bounded swaps that stop after a refusal, one deadline
 * for every verification, all-or-nothing rollback, a failed rollback's command, the store re-pointed once, and a
 * re-run counting orgs already on the new certificate.
 */
import { expect } from 'chai';
import {
  rotateFleet,
  type FleetRotateEvent,
  type FleetRotateSteps,
  type OrgPreflight,
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
});
