/*
 * fleet/login.ts in this process, against several emulated orgs: a key shared by orgs is loaded once, at most
 * `concurrency` exchanges run at once, and an org that fails (its input, its key, Salesforce's refusal) is reported
 * with login's own code while the others are registered.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { loginFleet } from '../../../src/fleet/login.js';
import { credentialsOf, type FleetOrg, type OrgSpec } from '../../../src/fleet/manifest.js';
import { makeCredentials, type TestCredentials } from '../../emulator/testkit.js';
import { EmulatorFleet, isolatedHome, jwtOrgOptions, type Home } from '../../helpers/index.js';

const KEY = 'FleetUnitKey0123456789';
const user = (i: number): string => `ci${i}@unit${i}.example`;

describe('fleet/login', function () {
  this.timeout(120_000);
  let fleet: EmulatorFleet;
  let creds: TestCredentials;
  let home: Home;

  before(async () => {
    creds = await makeCredentials('fleet unit');
    fleet = await EmulatorFleet.start(
      Array.from({ length: 4 }, (_, i) =>
        jwtOrgOptions({ consumerKey: KEY, certificatePem: creds.certificatePem, usernames: [user(i)] }),
      ),
    );
  });
  after(async () => fleet?.stop());
  beforeEach(async () => {
    home = await isolatedHome();
    fleet.setLatency(0);
    fleet.clearLogs();
  });
  afterEach(async () => home.restore());

  const org = (i: number, extra: Partial<OrgSpec> = {}): FleetOrg => {
    const spec: OrgSpec = {
      alias: `o${i}`,
      username: user(i),
      clientId: KEY,
      jwtKeyEnv: 'FLEET_KEY',
      instanceUrl: fleet.orgs[i].url,
      ...extra,
    };
    return { spec, credentials: credentialsOf(spec), origin: `test:${i}` };
  };

  /** The most token requests that arrived within `windowMs` of each other, over every org. */
  const peakTokenRequests = (windowMs: number): number => {
    const at = fleet.orgs
      .flatMap((o) => o.emulator.requestLog.filter((e) => e.path === '/services/oauth2/token').map((e) => e.at))
      .sort((a, b) => a - b);
    return Math.max(...at.map((t) => at.filter((u) => u >= t && u - t < windowMs).length));
  };

  it('one key shared by several orgs is loaded once; a key file is another key; every org registered with its alias', async () => {
    home.setEnv('FLEET_KEY', creds.privateKeyPem);
    const file = join(home.home, 'server.key');
    await writeFile(file, creds.privateKeyPem, { mode: 0o600 });
    const { outcome, keys } = await loginFleet(
      [org(0), org(1), org(2), org(3, { jwtKeyEnv: undefined, jwtKeyFile: file })],
      { concurrency: 8, timeoutSeconds: 20 },
    );
    expect(outcome.orgs.map((o) => o.status)).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
    expect(keys.map((k) => k.source)).to.deep.equal(['$FLEET_KEY', file]);
    expect(keys[0].copiedBecause).to.equal('environment');
    const aliases = JSON.parse(await readFile(join(home.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs).to.deep.equal({ o0: user(0), o1: user(1), o2: user(2), o3: user(3) });
  });

  it('at most --concurrency exchanges at once', async () => {
    home.setEnv('FLEET_KEY', creds.privateKeyPem);
    fleet.setLatency(250);
    await loginFleet(
      [0, 1, 2, 3].map((i) => org(i)),
      { concurrency: 2, timeoutSeconds: 30 },
    );
    expect(peakTokenRequests(200)).to.equal(2);
    fleet.clearLogs();
    await loginFleet(
      [0, 1, 2, 3].map((i) => org(i)),
      { concurrency: 8, timeoutSeconds: 30 },
    );
    expect(peakTokenRequests(200)).to.equal(4);
  });

  it("each failure carries login's own code; the others are registered", async () => {
    home.setEnv('FLEET_KEY', creds.privateKeyPem);
    const { outcome } = await loginFleet(
      [
        org(0),
        org(1, { username: 'not-a-username' }),
        org(2, { jwtKeyEnv: 'UNSET_FLEET_KEY' }),
        org(3, { clientId: 'SomeOtherConsumerKey' }),
      ],
      { concurrency: 4, timeoutSeconds: 20 },
    );
    expect(outcome.orgs.map((o) => [o.alias, o.status, o.code])).to.deep.equal([
      ['o0', 'ok', undefined],
      ['o1', 'failed', 'InvalidUsername'],
      ['o2', 'failed', 'KeyEnvUnset'],
      ['o3', 'failed', 'ClientIdentifierInvalid'],
    ]);
    expect(outcome).to.include({ ok: 1, failed: 3 });
    const aliases = JSON.parse(await readFile(join(home.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs).to.deep.equal({ o0: user(0) });
  });
});
