/*
 * loginWithKey: one key loaded once logs in to any number of targets, and writes nothing (issue 20 §1). Against the
 * emulator, which verifies signatures and claims as Salesforce does.
 */
import { readdir } from 'node:fs/promises';
import { expect } from 'chai';
import { loginWithKey, type LoginTarget } from '../../../src/auth/login-with-key.js';
import { loadPrivateKey, type LoadedKey } from '../../../src/keys/private-key.js';
import { startEmulator, type SalesforceEmulator } from '../../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../../emulator/testkit.js';
import { expectCoded, isolatedHome, rejection, type Home } from '../../helpers/index.js';

const CLIENT_ID = '3MVG9LoginWithKeyConsumerKey0123456';

describe('auth/loginWithKey', function () {
  this.timeout(30_000);
  let home: Home;
  let creds: TestCredentials;
  let key: LoadedKey;
  let orgs: SalesforceEmulator[];

  before(async () => {
    home = await isolatedHome();
    creds = await makeCredentials('login with key');
    key = await loadPrivateKey({ text: creds.privateKeyPem, label: 'test key' });
    orgs = await Promise.all(
      ['a', 'b'].map(() =>
        startEmulator({
          apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
          users: [{ username: 'ci@acme.com', permissionSets: ['CI'] }],
        }),
      ),
    );
  });
  after(async () => {
    await Promise.all((orgs ?? []).map((o) => o.stop()));
    await home.restore();
  });

  const target = (org: SalesforceEmulator, over: Partial<LoginTarget> = {}): LoginTarget => ({
    clientId: CLIENT_ID,
    username: 'ci@acme.com',
    loginUrl: new URL(org.url),
    audiences: [org.url],
    ...over,
  });

  it('one parsed key, two orgs: a grant for each with its own org id, and nothing written to the store', async () => {
    const grants = await Promise.all(orgs.map((org) => loginWithKey(key, target(org), { timeoutSeconds: 10 })));
    expect(grants.map((g) => g.token.instanceUrl)).to.deep.equal(orgs.map((o) => o.url));
    expect(grants[0].token.orgId).to.be.a('string');
    expect(grants[0].key).to.equal(key);
    expect(grants[0].attempts.at(-1)?.outcome).to.equal('ok');
    expect(await readdir(home.home)).to.deep.equal([]);
  });

  it("a refusal is Salesforce's coded error, with every attempt in its data", async () => {
    const error = await rejection(
      loginWithKey(key, target(orgs[0], { username: 'nobody@acme.com' }), { timeoutSeconds: 10 }),
    );
    expectCoded(error, 'UserNotApproved');
    expect((error.data as { attempts?: unknown[] }).attempts).to.have.length.greaterThan(0);
  });
});
