/*
 * The doctor's contract (issue 20 §3): every group declares its ids, needs and provides; the runner hands each group
 * the facts it needs as their providers settle, reports skips for missing conditions, lets a group review its checks
 * once all have reported, and keeps nothing between runs, so runs may go on concurrently (fleet check).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { pass, skip, warn } from '../../../src/report/check.js';
import { CATALOGUE } from '../../../src/doctor/catalogue.js';
import { readInputs, type DoctorOptions } from '../../../src/doctor/context.js';
import { defineGroup, type FactName } from '../../../src/doctor/group.js';
import { runDoctor, runGroups } from '../../../src/doctor/runner.js';
import { makeCredentials, type TestCredentials } from '../../emulator/testkit.js';
import { isolatedHome, type Home } from '../../helpers/index.js';

describe('doctor runner and catalogue', () => {
  let home: Home;
  before(async () => {
    home = await isolatedHome();
  });
  after(async () => {
    await home.restore();
  });

  it('the catalogue: unique names, every need provided by an earlier group, every fact provided once', () => {
    const names = CATALOGUE.map((g) => g.name);
    expect(new Set(names).size).to.equal(names.length);
    const provided = new Set<FactName>();
    for (const group of CATALOGUE) {
      for (const need of group.needs) expect(provided.has(need), `${group.name} needs ${need}`).to.equal(true);
      for (const fact of group.provides) {
        expect(provided.has(fact), `${fact} provided twice`).to.equal(false);
        provided.add(fact);
      }
      expect(group.ids.length, `${group.name} declares its ids`).to.be.greaterThan(0);
    }
  });

  it('hands a need the fact its provider returned, lets the needing group start before it settles, and reviews last', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const provider = defineGroup({
      name: 'provider',
      ids: ['p'],
      requires: [],
      needs: [],
      provides: ['claims'],
      skipped: () => [],
      async run() {
        await gate;
        order.push('provider done');
        return { checks: [pass('p', 'P', 'provided')], facts: { claims: { iss: 'x' } as never } };
      },
    });
    const consumer = defineGroup({
      name: 'consumer',
      ids: ['c'],
      requires: [],
      needs: ['claims'],
      provides: [],
      skipped: () => [],
      async run(_inputs, needed) {
        order.push('consumer started');
        release();
        const claims = await needed.claims;
        return { checks: [pass('c', 'C', JSON.stringify(claims))] };
      },
      review: (_inputs, _facts, own, all) => own.map((c) => ({ ...c, detail: `${c.detail} of ${all.length}` })),
    });
    const inputs = await readInputs({ credentials: {}, offline: true, timeoutSeconds: 5 });
    const { checks, facts } = await runGroups([provider, consumer], inputs);
    expect(order).to.deep.equal(['consumer started', 'provider done']);
    expect(checks[1][0].detail).to.equal('{"iss":"x"} of 2');
    expect(facts.claims).to.deep.equal({ iss: 'x' });
  });

  it('a missing condition reports the group skips; its facts settle as undefined for the groups that need them', async () => {
    const network = defineGroup({
      name: 'network',
      ids: ['n'],
      requires: ['network'],
      needs: [],
      provides: ['exchange'],
      skipped: (condition) => [skip('n', 'N', condition)],
      run: () => Promise.reject(new Error('must not run offline')),
    });
    const after = defineGroup({
      name: 'after',
      ids: ['a'],
      requires: [],
      needs: ['exchange'],
      provides: [],
      skipped: () => [],
      run: async (_inputs, needed) => ({ checks: [warn('a', 'A', String(await needed.exchange), 'fix')] }),
    });
    const inputs = await readInputs({ credentials: {}, offline: true, timeoutSeconds: 5 });
    const { checks } = await runGroups([network, after], inputs);
    expect(checks.flat().map((c) => [c.id, c.status, c.detail])).to.deep.equal([
      ['n', 'skip', 'network'],
      ['a', 'warn', 'undefined'],
    ]);
  });

  it('a need that no group of the run provides settles as undefined (a run of some groups only), never hangs', async () => {
    const alone = defineGroup({
      name: 'alone',
      ids: ['o'],
      requires: [],
      needs: ['key'],
      provides: [],
      skipped: () => [],
      run: async (_inputs, needed) => ({ checks: [pass('o', 'O', String(await needed.key))] }),
    });
    const inputs = await readInputs({ credentials: {}, offline: true, timeoutSeconds: 5 });
    const { checks } = await runGroups([alone], inputs);
    expect(checks.flat().map((c) => c.detail)).to.deep.equal(['undefined']);
  });

  describe('concurrent runs share nothing', () => {
    let a: TestCredentials;
    let b: TestCredentials;
    before(async () => {
      [a, b] = await Promise.all([makeCredentials('run a'), makeCredentials('run b')]);
    });

    it('two runs at once, with different keys against one certificate: each judges its own key', async () => {
      const certificateFile = join(home.home, 'a.crt');
      await writeFile(certificateFile, a.certificatePem);
      const options = (key: TestCredentials): DoctorOptions => ({
        credentials: {
          clientId: '3MVG9ConcurrentRunsConsumerKey0123',
          username: 'ci@acme.com',
          key: { text: key.privateKeyPem, label: 'key' },
        },
        certificateFile,
        offline: true,
        timeoutSeconds: 5,
      });
      const [ra, rb, ra2] = await Promise.all([runDoctor(options(a)), runDoctor(options(b)), runDoctor(options(a))]);
      const match = (r: typeof ra): string | undefined => r.checks.find((c) => c.id === 'certificate.match')?.status;
      expect([match(ra), match(rb), match(ra2)]).to.deep.equal(['pass', 'fail', 'pass']);
      expect(rb.ok).to.equal(false);
    });
  });
});
