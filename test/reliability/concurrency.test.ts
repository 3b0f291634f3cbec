/*
 * 20 logins of different users into the same HOME at once — in process (Promise.all of login()) and as 20 real
 * `sf jwt-setup login` processes — leave every auth, alias and config file valid and consistent, and the real
 * `sf org list` shows all of them.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { login } from '../../src/auth/login.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { isolatedHome, linkPlugin, loginInputs, parseJsonOutput, sf, tempDir } from '../helpers/index.js';

const CLIENT_ID = '3MVGCONCURRENT';
const N = 20;

async function checkStore(
  home: string,
  usernames: string[],
  aliasOf: ((u: string) => string) | undefined,
): Promise<void> {
  const sfdx = join(home, '.sfdx');
  for (const file of (await readdir(sfdx)).filter((f) => f.endsWith('.json'))) {
    // every JSON file of the store parses
    // eslint-disable-next-line no-await-in-loop
    const text = await readFile(join(sfdx, file), 'utf8');
    expect(() => JSON.parse(text) as unknown, `${file} is valid JSON`).to.not.throw();
  }
  for (const username of usernames) {
    // eslint-disable-next-line no-await-in-loop
    const auth = JSON.parse(await readFile(join(sfdx, `${username}.json`), 'utf8')) as Record<string, unknown>;
    expect(auth.username).to.equal(username);
    expect(auth.clientId).to.equal(CLIENT_ID);
    expect(auth.privateKey).to.be.a('string');
  }
  if (aliasOf) {
    const aliases = JSON.parse(await readFile(join(sfdx, 'alias.json'), 'utf8')) as { orgs: Record<string, string> };
    for (const username of usernames)
      expect(aliases.orgs[aliasOf(username)], `alias of ${username}`).to.equal(username);
  }
  const leftovers = (await readdir(sfdx)).filter((f) => f.startsWith('.sf-jwt-setup-'));
  expect(leftovers, 'no backup or temporary files left').to.deep.equal([]);
  const config = join(home, '.sf', 'config.json');
  const text = await readFile(config, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    const parsed = JSON.parse(text) as Record<string, string>;
    if (parsed['target-org'])
      expect([...usernames, ...(aliasOf ? usernames.map(aliasOf) : [])]).to.include(parsed['target-org']);
  }
}

async function orgList(home: string): Promise<string[]> {
  const result = await sf(home, ['org', 'list', '--json']);
  const json = parseJsonOutput(result.stdout) as { result: Record<string, Array<{ username: string }>> };
  return Object.values(json.result)
    .filter((v): v is Array<{ username: string }> => Array.isArray(v))
    .flat()
    .map((o) => o.username);
}

describe('reliability: 20 concurrent logins into one HOME', function () {
  this.timeout(240_000);
  let emu: SalesforceEmulator;
  let privateKeyPem: string;
  const users = Array.from({ length: N }, (_, i) => `ci${i}@concurrent.example`);
  const procUsers = Array.from({ length: N }, (_, i) => `proc${i}@concurrent.example`);

  before(async () => {
    const creds = await makeCredentials('concurrency');
    privateKeyPem = creds.privateKeyPem;
    emu = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [...users, ...procUsers].map((username) => ({ username, permissionSets: ['CI'] })),
      latencyMs: 20,
    });
  });
  after(async () => emu.stop());
  // Regression: before registrations were serialised (src/store/lock.ts), core's alias lock threw "Lock file is
  // already being held" in process, and across processes alias.json was read half-written (SyntaxError), so some of
  // 20 simultaneous logins failed with AuthSaveFailed after the token was issued.
  it('in process: 20 login() calls at once, each with an alias, all register; `sf org list` shows all 20', async () => {
    const env = await isolatedHome();
    try {
      const keyFile = join(env.home, 'server.key');
      await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
      const outcomes = await Promise.all(
        users.map((u, i) =>
          login(loginInputs(emu.url, CLIENT_ID, u, { file: keyFile }), {
            alias: `a${i}`,
            setDefault: i === 7,
            timeoutSeconds: 60,
          }),
        ),
      );
      expect(outcomes.map((o) => o.username).sort()).to.deep.equal([...users].sort());
      await checkStore(env.home, users, (u) => `a${users.indexOf(u)}`);
      await linkPlugin(env.home);
      const listed = await orgList(env.home);
      for (const u of users) expect(listed, `sf org list shows ${u}`).to.include(u);
    } finally {
      await env.restore();
    }
  });

  it('in process: 20 login() calls at once without aliases all register; `sf org list` shows all 20', async () => {
    const env = await isolatedHome();
    try {
      const keyFile = join(env.home, 'server.key');
      await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
      const outcomes = await Promise.all(
        users.map((u) => login(loginInputs(emu.url, CLIENT_ID, u, { file: keyFile }), { timeoutSeconds: 60 })),
      );
      expect(outcomes.map((o) => o.username).sort()).to.deep.equal([...users].sort());
      await checkStore(env.home, users, undefined);
      await linkPlugin(env.home);
      const listed = await orgList(env.home);
      for (const u of users) expect(listed, `sf org list shows ${u}`).to.include(u);
    } finally {
      await env.restore();
    }
  });

  it('20 real `sf jwt-setup login` processes at once (key from SF_JWT_KEY), each with an alias, all register; `sf org list` shows all 20', async () => {
    const home = await tempDir('sfjwt-conc-proc-');
    await linkPlugin(home);
    const results = await Promise.all(
      procUsers.map((u, i) =>
        sf(
          home,
          ['jwt-setup', 'login', '-o', u, '-i', CLIENT_ID, '-r', emu.url, '-a', `p${i}`, '--json'],
          { SF_JWT_KEY: Buffer.from(privateKeyPem).toString('base64') },
          180_000,
        ),
      ),
    );
    for (const [i, r] of results.entries())
      expect(r.code, `${procUsers[i]}: ${r.stdout.slice(0, 400)} ${r.stderr.slice(0, 400)}`).to.equal(0);
    await checkStore(home, procUsers, (u) => `p${procUsers.indexOf(u)}`);
    // the one copy of the environment key, written by whichever process came first
    const keys = await readdir(join(home, '.sfdx', 'sf-jwt-setup', 'keys'));
    expect(keys.filter((k) => k.endsWith('.key'))).to.have.length(1);
    expect(
      keys.filter((k) => !k.endsWith('.key')),
      'no temporary key files left',
    ).to.deep.equal([]);
    const listed = await orgList(home);
    for (const u of procUsers) expect(listed, `sf org list shows ${u}`).to.include(u);
  });
});
