/*
 * The fleet manifest: closed keys, defaults under each org's own keys, paths against the manifest's folder, every
 * structural problem ManifestInvalid with file:line, org and key; CumulusCI's variables; --only.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  fleetFromCumulusci,
  readManifest,
  selectOrgs,
  requireAlias,
  MANIFEST_KEYS,
} from '../../../src/fleet/manifest.js';
import { expectCoded, rejection, tempDir, thrown, ROOT } from '../../helpers/index.js';

async function manifest(text: string, name = 'fleet.yaml'): Promise<{ dir: string; file: string }> {
  const dir = await tempDir('sfjwt-fleet-');
  const file = join(dir, name);
  await writeFile(file, text);
  return { dir, file };
}

const GOOD = `defaults:
  clientId: 3MVG9default
  jwtKeyFile: keys/server.key   # relative to the manifest
  instanceUrl: https://login.salesforce.com
orgs:
  - alias: prod
    username: ci@acme.com
  - alias: uat
    username: ci@acme.com.uat
    instanceUrl: https://acme--uat.sandbox.my.salesforce.com
    sandbox: true
  - alias: partner-eu
    username: ci@partner.eu
    clientId: 3MVG9other
    jwtKeyEnv: PARTNER_EU_KEY
    adminOrg: partner-admin
    app: CI_App
`;

describe('fleet manifest', () => {
  it('applies the defaults, lets an org override them (the key as one setting), and resolves paths against the manifest', async () => {
    const { dir, file } = await manifest(GOOD);
    const fleet = await readManifest(file);
    expect(fleet.source).to.equal('manifest');
    expect(fleet.orgs.map((o) => o.spec.alias)).to.deep.equal(['prod', 'uat', 'partner-eu']);
    const [prod, uat, partner] = fleet.orgs;
    expect(prod.spec).to.deep.equal({
      alias: 'prod',
      username: 'ci@acme.com',
      clientId: '3MVG9default',
      jwtKeyFile: join(dir, 'keys', 'server.key'),
      instanceUrl: 'https://login.salesforce.com',
    });
    expect(prod.origin).to.equal(`${file}:6`);
    expect(uat.credentials.instanceUrl).to.deep.equal({
      value: 'https://acme--uat.sandbox.my.salesforce.com',
      source: 'manifest',
    });
    expect(uat.credentials.sandbox).to.equal(true);
    expect(partner.spec.jwtKeyFile, 'jwtKeyEnv replaces the defaults jwtKeyFile').to.equal(undefined);
    expect(partner.credentials.key).to.deep.equal({ env: 'PARTNER_EU_KEY' });
    expect(partner.credentials.keyEnvNamed).to.equal(true);
    expect(partner.spec.clientId).to.equal('3MVG9other');
    expect(partner.spec.adminOrg).to.equal('partner-admin');
  });

  it('reads JSON too', async () => {
    const { file } = await manifest(
      JSON.stringify({ defaults: { clientId: 'K', jwtKeyEnv: 'SF_KEY' }, orgs: [{ alias: 'a', username: 'a@b.c' }] }),
      'fleet.json',
    );
    const fleet = await readManifest(file);
    expect(fleet.orgs[0].credentials).to.include({ clientId: 'K', username: 'a@b.c' });
  });

  const cases: Array<[string, string, RegExp]> = [
    [
      'an unknown key',
      'orgs:\n  - alias: uat\n    username: u@x.y\n    colour: blue\n',
      /:4: org 'uat': unknown key 'colour'/,
    ],
    ['an unknown top-level key', 'org:\n  - alias: uat\n', /:1: unknown key 'org'/],
    [
      'a duplicate alias',
      'defaults:\n  clientId: K\n  jwtKeyEnv: E\norgs:\n  - alias: uat\n    username: a@x.y\n  - alias: uat\n    username: b@x.y\n',
      /:7: org 'uat': the alias is already used at .*:5/,
    ],
    [
      'a missing username',
      'defaults:\n  clientId: K\n  jwtKeyEnv: E\norgs:\n  - alias: uat\n',
      /:5: org 'uat' has no 'username'/,
    ],
    ['a missing alias', 'orgs:\n  - username: u@x.y\n', /:2: org 1 has no 'alias'/],
    [
      'both jwtKeyFile and jwtKeyEnv',
      'defaults:\n  clientId: K\norgs:\n  - alias: uat\n    username: u@x.y\n    jwtKeyFile: k.key\n    jwtKeyEnv: E\n',
      /:4: org 'uat': both 'jwtKeyFile' and 'jwtKeyEnv'/,
    ],
    [
      'no consumer key',
      'orgs:\n  - alias: uat\n    username: u@x.y\n    jwtKeyEnv: E\n',
      /:2: org 'uat' has no consumer key/,
    ],
    ['no key', 'orgs:\n  - alias: uat\n    username: u@x.y\n    clientId: K\n', /:2: org 'uat' has no key/],
    [
      'alias in defaults',
      'defaults:\n  alias: x\norgs:\n  - alias: uat\n',
      /:2: defaults: 'alias' belongs to each org/,
    ],
    [
      'a key of the wrong type',
      'orgs:\n  - alias: uat\n    username: u@x.y\n    sandbox: maybe\n',
      /:4: org 'uat': 'sandbox' must be true or false/,
    ],
    ['no orgs', 'defaults:\n  clientId: K\n', /has no|orgs. must be a list/],
    ['broken YAML', 'orgs:\n  - alias: [uat\n', /fleet\.yaml:\d+: not valid YAML or JSON/],
    ['an invalid alias', 'orgs:\n  - alias: a@b\n    username: u@x.y\n', /org 'a@b': the alias 'a@b' may only have/],
  ];
  for (const [what, text, message] of cases) {
    it(`${what} is ManifestInvalid, naming the file and line`, async () => {
      const { file } = await manifest(text);
      const error = await rejection(readManifest(file));
      expectCoded(error, 'ManifestInvalid');
      expect(error.message).to.match(message);
      expect(error.message).to.include(file);
      expect(error.message).to.match(/Nothing was logged in or checked\.$/);
    });
  }

  it('a manifest that cannot be read is ManifestInvalid', async () => {
    const error = await rejection(readManifest('/nonexistent/fleet.yaml'));
    expectCoded(error, 'ManifestInvalid');
    expect(error.message).to.match(/^\/nonexistent\/fleet\.yaml: the manifest cannot be read/);
  });

  it('--only keeps the named orgs; an alias not in the fleet is ManifestInvalid; so is --set-default of one', async () => {
    const { file } = await manifest(GOOD);
    const fleet = await readManifest(file);
    expect(selectOrgs(fleet, ['uat', 'prod']).orgs.map((o) => o.spec.alias)).to.deep.equal(['prod', 'uat']);
    const error = thrown(() => selectOrgs(fleet, ['uat', 'qa']));
    expectCoded(error, 'ManifestInvalid');
    expect(error.message).to.include('--only names qa');
    expectCoded(
      thrown(() => requireAlias(fleet, 'nope', '--set-default')),
      'ManifestInvalid',
    );
  });

  it('--from-env cumulusci: one org per CUMULUSCI_ORG_<name>, the consumer key, key and audience from SFDX_*', () => {
    const fleet = fleetFromCumulusci({
      CUMULUSCI_ORG_dev: JSON.stringify({
        username: 'dev@acme.com',
        instance_url: 'https://acme--dev.sandbox.my.salesforce.com',
      }),
      CUMULUSCI_ORG_prod: JSON.stringify({ username: 'ci@acme.com' }),
      SFDX_CLIENT_ID: '3MVG9cci',
      SFDX_HUB_KEY: '-----BEGIN PRIVATE KEY-----\n...',
      SFDX_AUDIENCE_URL: 'https://test.salesforce.com',
    });
    expect(fleet.orgs.map((o) => o.spec.alias)).to.deep.equal(['dev', 'prod']);
    expect(fleet.orgs[0].credentials).to.deep.include({
      clientId: '3MVG9cci',
      username: 'dev@acme.com',
      key: { env: 'SFDX_HUB_KEY' },
      audience: 'https://test.salesforce.com',
    });
    expect(fleet.orgs[0].credentials.instanceUrl?.value).to.equal('https://acme--dev.sandbox.my.salesforce.com');
    expectCoded(
      thrown(() => fleetFromCumulusci({})),
      'ManifestInvalid',
    );
    const noKey = thrown(() => fleetFromCumulusci({ CUMULUSCI_ORG_dev: '{"username":"d@a.c"}', SFDX_CLIENT_ID: 'K' }));
    expectCoded(noKey, 'ManifestInvalid');
    expect(noKey.message).to.include('SFDX_HUB_KEY');
    expectCoded(
      thrown(() => fleetFromCumulusci({ CUMULUSCI_ORG_dev: 'not json', SFDX_CLIENT_ID: 'K', SFDX_HUB_KEY: 'x' })),
      'ManifestInvalid',
    );
  });

  it('the README documents every manifest key', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const key of Object.keys(MANIFEST_KEYS)) expect(readme, key).to.include(`| \`${key}\` |`);
  });
});
