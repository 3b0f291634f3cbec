/*
 * store/register.ts: several grants registered in one call under one lock — each its own auth file, one key copy for
 * a key they share, aliases for all of them; one that cannot be written keeps its earlier auth and does not stop the
 * others. Also auth/login-with-key.ts: one loaded key logs in to several users and writes nothing by itself.
 */
import { promises as fsPromises } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { loginWithKey, type LoginTarget } from '../../../src/auth/login-with-key.js';
import { loadPrivateKey } from '../../../src/keys/private-key.js';
import { register } from '../../../src/store/register.js';
import { keyStoreDir } from '../../../src/store/key-copy.js';
import { startEmulator, type SalesforceEmulator } from '../../emulator/index.js';
import { makeCredentials } from '../../emulator/testkit.js';
import { isolatedHome, loginInputs, type Home } from '../../helpers/index.js';

const CLIENT_ID = '3MVGREGISTER';
const USERS = ['a@register.example', 'b@register.example', 'c@register.example'];

describe('store/register: many grants, one call', function () {
  this.timeout(60_000);
  let emu: SalesforceEmulator;
  let env: Home;
  let keyPem: string;

  before(async () => {
    const creds = await makeCredentials('register');
    keyPem = creds.privateKeyPem;
    emu = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: USERS.map((username) => ({ username, permissionSets: ['CI'] })),
    });
  });
  after(async () => emu.stop());
  beforeEach(async () => {
    env = await isolatedHome();
  });
  afterEach(async () => env.restore());

  const target = (username: string): LoginTarget => {
    const inputs = loginInputs(emu.url, CLIENT_ID, username, { env: 'REGISTER_KEY' });
    return { clientId: inputs.clientId, username, loginUrl: inputs.loginUrl, audiences: inputs.audiences };
  };

  it('logs in with one loaded key for several users and writes nothing until registered', async () => {
    env.setEnv('REGISTER_KEY', keyPem);
    const key = await loadPrivateKey({ env: 'REGISTER_KEY' });
    const grants = await Promise.all(USERS.map((u) => loginWithKey(key, target(u), { timeoutSeconds: 20 })));
    expect(grants.map((g) => g.username)).to.deep.equal(USERS);
    expect(new Set(grants.map((g) => g.token.orgId)).size).to.equal(1);
    expect(await readdir(join(env.home, '.sfdx')).catch(() => [])).to.deep.equal([]);

    const results = await register(grants.map((grant, i) => ({ grant, alias: `org${i}` })));
    expect(results.map((r) => r.ok)).to.deep.equal([true, true, true]);
    // One normalised copy of the shared environment key, referred to by all three auths.
    const copies = await readdir(keyStoreDir());
    expect(copies).to.have.length(1);
    for (const username of USERS) {
      // eslint-disable-next-line no-await-in-loop
      const auth = JSON.parse(await readFile(join(env.home, '.sfdx', `${username}.json`), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(auth.privateKey).to.equal(join(keyStoreDir(), copies[0]));
      expect(auth.clientId).to.equal(CLIENT_ID);
      expect(auth).to.not.have.property('refreshToken');
    }
    const aliases = JSON.parse(await readFile(join(env.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs).to.deep.equal({ org0: USERS[0], org1: USERS[1], org2: USERS[2] });
  });

  it('one auth that cannot be written keeps its earlier auth, the others register with their aliases', async () => {
    env.setEnv('REGISTER_KEY', keyPem);
    const key = await loadPrivateKey({ env: 'REGISTER_KEY' });
    const grants = await Promise.all(USERS.map((u) => loginWithKey(key, target(u), { timeoutSeconds: 20 })));
    // b has an earlier auth, and the place it would be set aside is taken by a folder: b cannot be registered.
    const sfdx = join(env.home, '.sfdx');
    await mkdir(sfdx, { recursive: true });
    const earlier = join(sfdx, `${USERS[1]}.json`);
    await writeFile(earlier, '{"username":"earlier"}\n');
    const blocked = join(sfdx, `.sf-jwt-setup-${USERS[1]}.${process.pid}.bak`);
    await mkdir(blocked, { recursive: true });
    await writeFile(join(blocked, 'keep'), 'x');

    const results = await register(grants.map((grant, i) => ({ grant, alias: `org${i}` })));
    expect(results.map((r) => r.ok)).to.deep.equal([true, false, true]);
    const failed = results[1];
    expect(failed.ok === false && failed.error.name)
      .to.be.a('string')
      .and.not.equal('');
    expect(await readFile(earlier, 'utf8')).to.equal('{"username":"earlier"}\n');
    const aliases = JSON.parse(await readFile(join(env.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs).to.deep.equal({ org0: USERS[0], org2: USERS[2] });
  });
  it('alias.json and the config are each written once for all the grants of a call; the last default asked wins', async () => {
    env.setEnv('REGISTER_KEY', keyPem);
    const key = await loadPrivateKey({ env: 'REGISTER_KEY' });
    const grants = await Promise.all(USERS.map((u) => loginWithKey(key, target(u), { timeoutSeconds: 20 })));
    // A store in use (core creates an empty alias.json the first time it reads aliases).
    await mkdir(join(env.home, '.sfdx'), { recursive: true });
    await writeFile(join(env.home, '.sfdx', 'alias.json'), '{"orgs":{"earlier":"x@y.z"}}');
    const writes: string[] = [];
    const original = fsPromises.writeFile;
    fsPromises.writeFile = ((file: unknown, ...rest: unknown[]) => {
      writes.push(String(file));
      return (original as (...args: unknown[]) => Promise<void>)(file, ...rest);
    }) as typeof fsPromises.writeFile;
    let results;
    try {
      results = await register(
        grants.map((grant, i) => ({ grant, alias: `org${i}`, setDefault: i > 0, setDefaultDevHub: i === 0 })),
      );
    } finally {
      fsPromises.writeFile = original;
    }
    expect(results.map((r) => r.ok)).to.deep.equal([true, true, true]);
    expect(writes.filter((f) => f.endsWith(join('.sfdx', 'alias.json')))).to.have.length(1);
    expect(writes.filter((f) => f.endsWith(join('.sf', 'config.json')))).to.have.length(1);
    const config = JSON.parse(await readFile(join(env.home, '.sf', 'config.json'), 'utf8')) as Record<string, string>;
    expect(config).to.deep.include({ 'target-org': 'org2', 'target-dev-hub': 'org0' });
    const aliases = JSON.parse(await readFile(join(env.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs).to.deep.equal({ earlier: 'x@y.z', org0: USERS[0], org1: USERS[1], org2: USERS[2] });
  });
});
