/*
 * Re-pointing the sf store after a rotation: auths are matched by the key their file holds (read as sf reads it) and
 * by consumer key, not by path; other auths and every other field stay as they were; a key copy the plugin kept for
 * the old key goes once nothing refers to it; a new key sf cannot read as it is is registered as a copy.
 */
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadPrivateKey, type LoadedKey } from '../../../src/keys/private-key.js';
import { keyStoreDir } from '../../../src/store/key-copy.js';
import { repointAuths } from '../../../src/store/repoint.js';
import { tempDir } from '../../helpers/temp.js';

const CLIENT = '3MVG9RepointKey0001';
type Json = Record<string, unknown>;

const rsa = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const pem = (k: KeyObject, type: 'pkcs8' | 'pkcs1' = 'pkcs8'): string => k.export({ type, format: 'pem' }) as string;

describe('store: repointAuths', () => {
  let home: string;
  let savedHome: string | undefined;
  let oldKey: KeyObject;
  let sfdx: string;

  const auth = async (username: string, fields: Json, mode = 0o600): Promise<void> => {
    await writeFile(
      join(sfdx, `${username}.json`),
      JSON.stringify({ username, accessToken: 'enc:xyz', ...fields }, null, 4),
      { mode },
    );
  };
  const read = async (username: string): Promise<Json> =>
    JSON.parse(await readFile(join(sfdx, `${username}.json`), 'utf8')) as Json;

  beforeEach(async () => {
    savedHome = process.env.HOME;
    home = await tempDir();
    process.env.HOME = home;
    sfdx = join(home, '.sfdx');
    await mkdir(sfdx, { recursive: true });
    oldKey = rsa();
  });

  afterEach(() => {
    process.env.HOME = savedHome;
  });

  it('re-points the auths of this consumer key whose file holds the old key, whatever its path or form', async () => {
    const keys = join(home, 'keys');
    await mkdir(keys);
    await writeFile(join(keys, 'server.key'), pem(oldKey));
    await writeFile(join(keys, 'same-key-pkcs1.pem'), pem(oldKey, 'pkcs1'));
    const copyDir = keyStoreDir();
    await mkdir(copyDir, { recursive: true });
    const copy = join(copyDir, `${'a'.repeat(32)}.key`);
    await writeFile(copy, pem(oldKey), { mode: 0o600 });
    const unrelated = join(keys, 'unrelated.key');
    await writeFile(unrelated, pem(rsa()));
    await auth('a@x.example', { clientId: CLIENT, privateKey: join(keys, 'server.key'), instanceUrl: 'https://x' });
    await auth('b@x.example', { clientId: CLIENT, privateKey: join(keys, 'same-key-pkcs1.pem') }, 0o640);
    await auth('c@x.example', { clientId: 'OtherClient01', privateKey: join(keys, 'server.key') });
    await auth('d@x.example', { clientId: CLIENT, privateKey: unrelated });
    await auth('e@x.example', { clientId: CLIENT, privateKey: copy });
    await auth('f@x.example', { clientId: CLIENT, privateKey: join(keys, 'server.key'), refreshToken: 'enc:web' });
    const untouched = await Promise.all(
      ['c', 'd', 'f'].map((u) => readFile(join(sfdx, `${u}@x.example.json`), 'utf8')),
    );

    const next = rsa();
    const newFile = join(keys, 'server-20260101.key');
    await writeFile(newFile, pem(next), { mode: 0o600 });
    const newKey: LoadedKey = await loadPrivateKey({ file: newFile });
    const outcome = await repointAuths({ clientId: CLIENT, oldPublicKeys: [createPublicKey(oldKey)], newKey });

    expect(outcome.repointed.map((r) => r.username).sort()).to.deep.equal([
      'a@x.example',
      'b@x.example',
      'e@x.example',
    ]);
    const registered = await Promise.all(['a', 'b', 'e'].map(async (u) => (await read(`${u}@x.example`)).privateKey));
    expect(registered).to.deep.equal([newFile, newFile, newFile]);
    expect(await read('a@x.example')).to.deep.include({
      accessToken: 'enc:xyz',
      instanceUrl: 'https://x',
      clientId: CLIENT,
    });
    expect((await stat(join(sfdx, 'b@x.example.json'))).mode & 0o777).to.equal(0o640);
    const after = await Promise.all(['c', 'd', 'f'].map((u) => readFile(join(sfdx, `${u}@x.example.json`), 'utf8')));
    expect(after).to.deep.equal(untouched);
    // The old key's copy: nothing refers to it any more. The old key file itself is never removed.
    expect(outcome.removedCopies).to.deep.equal([copy]);
    expect(existsSync(copy)).to.equal(false);
    expect(existsSync(join(keys, 'server.key'))).to.equal(true);
  });

  it('registers a copy when sf cannot read the new key file as it is; nothing matched, nothing written', async () => {
    const keys = join(home, 'keys');
    await mkdir(keys);
    await writeFile(join(keys, 'server.key'), pem(oldKey));
    await auth('a@x.example', { clientId: CLIENT, privateKey: join(keys, 'server.key') });
    const next = rsa();
    const der = join(keys, 'new.der');
    await writeFile(der, next.export({ type: 'pkcs8', format: 'der' }));
    const outcome = await repointAuths({
      clientId: CLIENT,
      oldPublicKeys: [createPublicKey(oldKey)],
      newKey: await loadPrivateKey({ file: der }),
    });
    const registered = (await read('a@x.example')).privateKey as string;
    expect(registered.startsWith(keyStoreDir())).to.equal(true);
    expect(outcome.repointed).to.deep.equal([
      { username: 'a@x.example', from: join(keys, 'server.key'), to: registered },
    ]);
    expect(createPublicKey(await readFile(registered, 'utf8')).equals(createPublicKey(next))).to.equal(true);

    const none = await repointAuths({
      clientId: 'NoSuchClient1',
      oldPublicKeys: [createPublicKey(oldKey)],
      newKey: await loadPrivateKey({ file: der }),
    });
    expect(none).to.deep.equal({ repointed: [], removedCopies: [], otherOrgs: [] });
  });

  it("with the rotated org's id: only that org's logins are re-pointed; the others are named, with an admin login of their org", async () => {
    const keys = join(home, 'keys');
    await mkdir(keys);
    const oldFile = join(keys, 'server.key');
    await writeFile(oldFile, pem(oldKey));
    const [prod, sb1, sb2] = ['00D000000000001AAA', '00D000000000002AAA', '00D000000000003AAA'];
    await auth('ci@x.example', { clientId: CLIENT, privateKey: oldFile, orgId: prod });
    await auth('ci@x.example.sb1', { clientId: CLIENT, privateKey: oldFile, orgId: sb1, instanceUrl: 'https://sb1' });
    await auth('ci@x.example.sb2', { clientId: CLIENT, privateKey: oldFile, orgId: sb2 });
    await auth('admin@x.example.sb1', { orgId: sb1, refreshToken: 'enc:web' });
    const before = await Promise.all(['ci@x.example.sb1', 'ci@x.example.sb2'].map(read));

    const newFile = join(keys, 'server-2.key');
    await writeFile(newFile, pem(rsa()), { mode: 0o600 });
    const outcome = await repointAuths({
      clientId: CLIENT,
      orgId: prod,
      oldPublicKeys: [createPublicKey(oldKey)],
      newKey: await loadPrivateKey({ file: newFile }),
    });
    expect(outcome.repointed).to.deep.equal([{ username: 'ci@x.example', from: oldFile, to: newFile }]);
    expect(outcome.otherOrgs.sort((a, b) => a.username.localeCompare(b.username))).to.deep.equal([
      {
        username: 'ci@x.example.sb1',
        orgId: sb1,
        instanceUrl: 'https://sb1',
        keyFile: oldFile,
        admin: 'admin@x.example.sb1',
      },
      { username: 'ci@x.example.sb2', orgId: sb2, keyFile: oldFile },
    ]);
    expect(await Promise.all(['ci@x.example.sb1', 'ci@x.example.sb2'].map(read))).to.deep.equal(before);
    expect((await read('ci@x.example')).privateKey).to.equal(newFile);
  });
});
