/*
 * fleet rotate's store step: several orgs (each its consumer key and org id) re-pointed to one new key in one call,
 * under one lock; a login of an org that was not rotated keeps the old key (its app still holds the old certificate)
 * and is named as another org's.
 */
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadPrivateKey } from '../../../src/keys/private-key.js';
import { repointMany } from '../../../src/store/repoint.js';
import { tempDir } from '../../helpers/temp.js';

type Json = Record<string, unknown>;
const rsa = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const ORG = (n: number): string => `00D00000000000${n}AAA`;

describe('store: repointMany (fleet rotate)', () => {
  let savedHome: string | undefined;
  let home: string;
  let sfdx: string;

  beforeEach(async () => {
    savedHome = process.env.HOME;
    home = await tempDir();
    process.env.HOME = home;
    sfdx = join(home, '.sfdx');
    await mkdir(sfdx, { recursive: true });
  });
  afterEach(() => {
    process.env.HOME = savedHome;
  });

  it('re-points the rotated orgs of two consumer keys at once; an org that was not rotated keeps the old key', async () => {
    const oldKey = rsa();
    const keys = join(home, 'keys');
    await mkdir(keys);
    const oldFile = join(keys, 'server.key');
    await writeFile(oldFile, pem(oldKey), { mode: 0o600 });
    const auth = async (username: string, clientId: string, orgId: string): Promise<void> =>
      writeFile(
        join(sfdx, `${username}.json`),
        JSON.stringify({ username, orgId, clientId, privateKey: oldFile, accessToken: 'enc:x' }, null, 4),
        { mode: 0o600 },
      );
    await auth('ci@prod.example', 'KeyShared0001', ORG(1));
    await auth('ci@uat.example', 'KeyShared0001', ORG(2));
    await auth('ci@partner.example', 'KeyPartner001', ORG(3));
    await auth('ci@dev.example', 'KeyShared0001', ORG(4)); // not in this rotation
    const untouched = await readFile(join(sfdx, 'ci@dev.example.json'), 'utf8');

    const newFile = join(keys, 'server-20260101.key');
    await writeFile(newFile, pem(rsa()), { mode: 0o600 });
    const newKey = await loadPrivateKey({ file: newFile });
    const old = [createPublicKey(oldKey)];
    const outcome = await repointMany([
      { clientId: 'KeyShared0001', orgId: ORG(1), oldPublicKeys: old, newKey },
      { clientId: 'KeyShared0001', orgId: ORG(2), oldPublicKeys: old, newKey },
      { clientId: 'KeyPartner001', orgId: ORG(3), oldPublicKeys: old, newKey },
    ]);

    expect(outcome.repointed.map((r) => r.username).sort()).to.deep.equal([
      'ci@partner.example',
      'ci@prod.example',
      'ci@uat.example',
    ]);
    for (const u of ['ci@prod.example', 'ci@uat.example', 'ci@partner.example']) {
      // eslint-disable-next-line no-await-in-loop
      expect((JSON.parse(await readFile(join(sfdx, `${u}.json`), 'utf8')) as Json).privateKey).to.equal(newFile);
    }
    expect(await readFile(join(sfdx, 'ci@dev.example.json'), 'utf8')).to.equal(untouched);
    expect(outcome.otherOrgs.map((o) => o.username)).to.deep.equal(['ci@dev.example']);
  });
});
