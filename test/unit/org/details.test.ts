/*
 * Reading an org's details after the token, against the emulator: one parallel round normally; when the v51.0 query
 * endpoint is refused (an org or stand-in that does not serve it), the Organization query is asked again at the highest
 * version the instance lists. Doctor's API check uses the highest listed version too.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { obtainToken } from '../../../src/exchange/token.js';
import { readOrgDetails } from '../../../src/org/details.js';
import { runDoctorWithFlags as runDoctor, tempDir } from '../../helpers/index.js';

import { makeCredentials } from '../../emulator/testkit.js';
import { startEmulator, type SalesforceEmulator } from '../../emulator/index.js';

const CLIENT_ID = '3MVG9OrgDetailsTestKey0000000000000000';
const USER = 'details@acme.com';

describe('org details after the token', () => {
  let emulator: SalesforceEmulator;
  let privateKey: Awaited<ReturnType<typeof makeCredentials>>['privateKey'];
  let keyFile: string;

  before(async () => {
    const creds = await makeCredentials('details');
    privateKey = creds.privateKey;
    keyFile = join(await tempDir('sfjwt-details-'), 'k.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    emulator = await startEmulator({
      org: { name: 'Acme Details', isDevHub: true },
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['P'] }],
      users: [{ username: USER, permissionSets: ['P'] }],
    });
  });
  after(async () => emulator?.stop());
  afterEach(() => emulator.setFaults([]));

  async function grant(): Promise<Parameters<typeof readOrgDetails>[0]> {
    const loginUrl = new URL(emulator.url);
    const obtained = await obtainToken(
      { loginUrl, audiences: [emulator.url], clientId: CLIENT_ID, username: USER, privateKey },
      { deadline: Date.now() + 10_000, timeoutSeconds: 10 },
    );
    return obtained.grant;
  }

  it('reads version, Dev Hub and Organization in one parallel round of three requests', async () => {
    const g = await grant();
    emulator.clearLog();
    const details = await readOrgDetails(g, Date.now() + 10_000);
    expect(details).to.deep.include({ isDevHub: true, problems: [] });
    expect(details.apiVersion).to.match(/^\d+\.0$/);
    expect(details.organization?.name).to.equal('Acme Details');
    expect(emulator.requestLog).to.have.length(3);
  });

  it('asks for the Organization again at the highest listed version when v51.0 is refused', async () => {
    const g = await grant();
    emulator.clearLog();
    emulator.setFaults([{ kind: '503', path: '/services/data/v51.0/query' }]);
    const details = await readOrgDetails(g, Date.now() + 10_000);
    expect(details.organization?.name).to.equal('Acme Details');
    const retried = emulator.requestLog.filter((e) => e.path === `/services/data/v${details.apiVersion}/query`);
    expect(retried, JSON.stringify(emulator.requestLog)).to.have.length(1);
    expect(details.isDevHub).to.equal(false); // the probe was refused: not taken for a Dev Hub
  });

  it("doctor's API check queries at the highest listed version, so a refused v51.0 is no false failure", async () => {
    emulator.setFaults([{ kind: '503', path: '/services/data/v51.0/query' }]);
    const report = await runDoctor(
      { username: USER, 'client-id': CLIENT_ID, 'jwt-key-file': keyFile, 'instance-url': emulator.url },
      { timeoutSeconds: 20, env: {} },
    );
    expect(report.checks.find((c) => c.id === 'api')?.status).to.equal('pass');
  });
});
