/*
 * A failed login leaves the sf store exactly as it was: every file under ~/.sfdx and ~/.sf compared byte for byte
 * (sf's own log files aside) before and after a second login of an already registered user that fails.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { login } from '../../src/auth/login.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import {
  expectCoded,
  expectSameTree,
  isolatedHome,
  loginInputs,
  rejection,
  snapshotTree,
  withoutLogs,
} from '../helpers/index.js';

const CLIENT_ID = '3MVGSTORE';
const USER = 'ci@store.example';

describe('reliability: a failed login leaves the sf store untouched', function () {
  this.timeout(60_000);
  let emu: SalesforceEmulator;
  let env: Awaited<ReturnType<typeof isolatedHome>>;
  let keyFile: string;
  let wrongKeyFile: string;
  let keyPem: string;

  before(async () => {
    const creds = await makeCredentials('store');
    keyPem = creds.privateKeyPem;
    emu = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [{ username: USER, permissionSets: ['CI'] }],
    });
    env = await isolatedHome();
    keyFile = join(env.home, 'server.key');
    wrongKeyFile = join(env.home, 'other.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    await writeFile(wrongKeyFile, other.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // the first, good registration: alias and default org
    const first = await login(loginInputs(emu.url, CLIENT_ID, USER, { file: keyFile }), {
      alias: 'ci',
      setDefault: true,
      timeoutSeconds: 20,
    });
    expect(first.alias).to.equal('ci');
  });
  after(async () => {
    await emu.stop();
    await env.restore();
  });
  beforeEach(() => emu.setFaults([]));

  const dirs = (): string[] => [join(env.home, '.sfdx'), join(env.home, '.sf')];

  it('the first login registered the auth, the alias and the default', async () => {
    const auth = JSON.parse(await readFile(join(env.home, '.sfdx', `${USER}.json`), 'utf8')) as Record<string, unknown>;
    expect(auth.username).to.equal(USER);
    expect(auth.privateKey).to.equal(keyFile);
    expect(auth.clientId).to.equal(CLIENT_ID);
    const aliases = JSON.parse(await readFile(join(env.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs.ci).to.equal(USER);
    const config = JSON.parse(await readFile(join(env.home, '.sf', 'config.json'), 'utf8')) as Record<string, string>;
    expect(config['target-org']).to.equal('ci');
  });

  const failures: Array<{ name: string; code: string[]; run: () => Promise<unknown> }> = [
    {
      name: 'a key that does not match the certificate',
      code: ['InvalidAssertion'],
      run: () =>
        login(loginInputs(emu.url, CLIENT_ID, USER, { file: wrongKeyFile }), {
          alias: 'other',
          setDefault: true,
          timeoutSeconds: 10,
        }),
    },
    {
      name: 'a wrong key from the environment (the env key is never copied)',
      code: ['InvalidAssertion'],
      run: async (): Promise<unknown> => {
        const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string;
        process.env.SF_JWT_KEY_REL = other;
        try {
          return await login(loginInputs(emu.url, CLIENT_ID, USER, { env: 'SF_JWT_KEY_REL' }), {
            alias: 'other',
            setDefault: true,
            timeoutSeconds: 10,
          });
        } finally {
          delete process.env.SF_JWT_KEY_REL;
        }
      },
    },
    {
      name: 'an unknown client id',
      code: ['ClientIdentifierInvalid'],
      run: () =>
        login(loginInputs(emu.url, '3MVGNOSUCHAPP', USER, { file: keyFile }), {
          alias: 'other',
          setDefaultDevHub: true,
          timeoutSeconds: 10,
        }),
    },
    {
      name: 'a persistent 503 at the token endpoint',
      code: ['ServerUnavailable', 'RequestTimeout'],
      run: (): Promise<unknown> => {
        emu.setFaults([{ kind: '503', path: '/services/oauth2/token' }]);
        return login(loginInputs(emu.url, CLIENT_ID, USER, { file: keyFile }), {
          alias: 'ci',
          setDefault: true,
          timeoutSeconds: 3,
        });
      },
    },
    {
      name: 'connection resets',
      code: ['NetworkError', 'RequestTimeout'],
      run: (): Promise<unknown> => {
        emu.setFaults([{ kind: 'reset', path: '/services/oauth2/token' }]);
        return login(loginInputs(emu.url, CLIENT_ID, USER, { file: keyFile }), { timeoutSeconds: 3 });
      },
    },
    {
      name: 'an invalid alias',
      code: ['InvalidAlias'],
      run: () =>
        login(loginInputs(emu.url, CLIENT_ID, USER, { file: keyFile }), { alias: 'bad alias!', setDefault: true }),
    },
    {
      name: 'a broken key file',
      code: ['KeyTruncated'],
      run: async (): Promise<unknown> => {
        const broken = join(env.home, 'broken.key');
        await writeFile(broken, keyPem.slice(0, 500));
        return login(loginInputs(emu.url, CLIENT_ID, USER, { file: broken }), { alias: 'ci', setDefault: true });
      },
    },
  ];

  for (const failure of failures) {
    it(`${failure.name}: ${failure.code.join('/')}, and every store file is byte-identical`, async () => {
      const before = withoutLogs(await snapshotTree(dirs()));
      expect(before.size).to.be.greaterThan(2);
      const error = await rejection(failure.run());
      expectCoded(error, ...failure.code);
      const after = withoutLogs(await snapshotTree(dirs()));
      // the key fixtures written by this test live in HOME, not in the store
      expectSameTree(before, after);
    });
  }

  it('a successful re-login of the same user keeps its alias and default', async () => {
    await login(loginInputs(emu.url, CLIENT_ID, USER, { file: keyFile }), { timeoutSeconds: 10 });
    const aliases = JSON.parse(await readFile(join(env.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs.ci).to.equal(USER);
    const config = JSON.parse(await readFile(join(env.home, '.sf', 'config.json'), 'utf8')) as Record<string, string>;
    expect(config['target-org']).to.equal('ci');
  });
});
