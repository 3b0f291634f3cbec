/*
 * Each group of doctor's catalogue on its own, through runGroups with only the groups it needs: the checks it
 * reports (ids from its own list), and the facts it provides.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Check } from '../../../src/report/check.js';
import { certificate } from '../../../src/doctor/checks/certificate.js';
import { claims } from '../../../src/doctor/checks/claims.js';
import { exchangeGroup } from '../../../src/doctor/checks/exchange.js';
import { inputs, target } from '../../../src/doctor/checks/inputs.js';
import { key } from '../../../src/doctor/checks/key.js';
import { orgGroup } from '../../../src/doctor/checks/org.js';
import { keyCopies, storedAuth } from '../../../src/doctor/checks/stored-auth.js';
import { readInputs, type DoctorOptions } from '../../../src/doctor/context.js';
import type { CheckGroup, Facts } from '../../../src/doctor/group.js';
import { runGroups } from '../../../src/doctor/runner.js';
import { startEmulator, type SalesforceEmulator } from '../../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../../emulator/testkit.js';
import { isolatedHome, type Home } from '../../helpers/index.js';

const CLIENT_ID = '3MVG9DoctorGroupsConsumerKey012345';
const USER = 'ci@acme.com';

describe('doctor groups, one at a time', function () {
  this.timeout(30_000);
  let home: Home;
  let creds: TestCredentials;
  let other: TestCredentials;
  let emulator: SalesforceEmulator;

  before(async () => {
    home = await isolatedHome();
    [creds, other] = await Promise.all([makeCredentials('groups'), makeCredentials('other')]);
    emulator = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [{ username: USER, permissionSets: ['CI'] }],
    });
  });
  after(async () => {
    await emulator?.stop();
    await home.restore();
  });

  const options = (over: Partial<DoctorOptions> = {}, keyPem = creds.privateKeyPem): DoctorOptions => ({
    credentials: {
      clientId: CLIENT_ID,
      username: USER,
      key: { text: keyPem, label: 'the key' },
      instanceUrl: { value: emulator.url, source: 'flag' },
    },
    timeoutSeconds: 10,
    ...over,
  });

  type Ran = { checks: Check[]; facts: Partial<Facts>; byId: (id: string) => Check | undefined };

  async function run(groups: CheckGroup[], over: Partial<DoctorOptions> = {}, keyPem?: string): Promise<Ran> {
    const result = await runGroups(groups, await readInputs(options(over, keyPem)));
    const last = groups.at(-1)!;
    const checks = result.checks.at(-1)!;
    for (const c of checks) expect(last.ids, `${last.name} declares ${c.id}`).to.include(c.id);
    return { checks, facts: result.facts, byId: (id: string): Check | undefined => checks.find((c) => c.id === id) };
  }

  it('target: a --target-org that is not registered fails stored-auth', async () => {
    const { checks } = await run([target], { targetOrg: 'nosuch@acme.com' });
    expect(checks.map((c) => [c.id, c.status])).to.deep.equal([['stored-auth', 'fail']]);
  });

  it('inputs: a login URL that is not https fails endpoint.url', async () => {
    const { byId } = await run([inputs], {
      credentials: { clientId: CLIENT_ID, username: USER, instanceUrl: { value: 'http://x.example', source: 'flag' } },
    });
    expect(byId('endpoint.url')?.status).to.equal('fail');
  });

  it('key: provides the loaded key; a missing file fails key.source and provides nothing', async () => {
    const ok = await run([key]);
    expect(ok.byId('key.decode')?.status).to.equal('pass');
    expect(ok.facts.key?.bits).to.equal(2048);
    const missing = await run([key], { credentials: { key: { file: join(home.home, 'none.key') } } });
    expect(missing.byId('key.source')?.status).to.equal('fail');
    expect(missing.facts.key).to.equal(undefined);
  });

  it("certificate: needs the key; another key's certificate fails certificate.match", async () => {
    const file = join(home.home, 'app.crt');
    await writeFile(file, creds.certificatePem);
    const same = await run([key, certificate], { certificateFile: file });
    expect(same.byId('certificate.match')?.status).to.equal('pass');
    expect(same.facts.certificate?.subject).to.be.a('string');
    const mismatch = await run([key, certificate], { certificateFile: file }, other.privateKeyPem);
    expect(mismatch.byId('certificate.match')?.status).to.equal('fail');
    const none = await run([key, certificate]);
    expect(none.checks).to.deep.equal([]);
  });

  it('claims: provides the claims it judged', async () => {
    const { facts, byId } = await run([claims]);
    expect(byId('claims.iss')?.status).to.equal('pass');
    expect(facts.claims?.sub).to.equal(USER);
  });

  it('exchange: provides the grant; offline it skips all four checks; without a key it is not ready', async () => {
    const ok = await run([key, exchangeGroup]);
    expect(ok.byId('exchange')?.status).to.equal('pass');
    expect(ok.facts.exchange?.grant?.orgId).to.be.a('string');
    const offline = await run([key, exchangeGroup], { offline: true });
    expect(offline.checks.map((c) => c.status)).to.deep.equal(['skip', 'skip', 'skip', 'skip']);
    const noKey = await run([key, exchangeGroup], {
      credentials: { ...options().credentials, key: { env: 'NONE_SET' } },
    });
    expect(noKey.checks.map((c) => [c.id, c.status])).to.deep.equal([['exchange', 'skip']]);
  });

  it("exchange: a refusal is reviewed once all groups reported (the diagnosis names the certificate's key)", async () => {
    const file = join(home.home, 'other.crt');
    await writeFile(file, creds.certificatePem);
    const refused = await run([key, certificate, exchangeGroup], { certificateFile: file }, other.privateKeyPem);
    expect(refused.facts.exchange?.refusal?.errorCode).to.be.a('string');
    expect(refused.byId('exchange')?.status).to.equal('fail');
    expect(refused.byId('exchange')?.fix).to.match(/^1\. /);
  });

  it('org: an admin org that cannot be used fails org.match with AdminOrgUnreachable (issue 19 #10)', async () => {
    const { checks } = await run([key, exchangeGroup, orgGroup], { adminOrg: 'nosuch', offline: true });
    expect(checks.map((c) => [c.id, c.status])).to.deep.equal([
      ['org.match', 'fail'],
      ['org.app', 'skip'],
      ['org.certificate', 'skip'],
      ['org.policy', 'skip'],
      ['org.user', 'skip'],
      ['org.admission', 'skip'],
    ]);
    expect(checks[0].detail).to.match(/^The admin org nosuch cannot be used: /);
    expect(checks[0].fix).to.include('sf org login web --alias nosuch');
  });

  it('stored-auth and key-copies: nothing registered, nothing to report', async () => {
    expect((await run([key, storedAuth])).checks).to.deep.equal([]);
    expect((await run([keyCopies])).checks).to.deep.equal([]);
  });
});
