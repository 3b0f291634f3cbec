/*
 * The real sf CLI (and SDR in this process) against the emulator's org side: an admin logged in with
 * `sf org login access-token`, then `sf project deploy start` (SOAP and REST), `sf org assign permset`,
 * `sf project retrieve start`, a refused deploy; and SDR's ComponentSet.deploy as the plugin will use it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { AuthInfo, Connection } from '@salesforce/core';
import { ComponentSet, ComponentStatus } from '@salesforce/source-deploy-retrieve';
import { SfSandbox } from '../helpers/index.js';
import { makeCredentials, type TestCredentials } from './testkit.js';
import { appFiles, jwtLogin, writeProject } from './metadata-helpers.js';
import { startEmulator, CONNECTED_APP_BLOCKED, type SalesforceEmulator } from './index.js';

const ADMIN = 'admin@acme.example';
const CI = 'ci@acme.example';
type Json = Record<string, unknown>;

describe('emulator org side through the real sf CLI and SDR', function () {
  this.timeout(180_000);
  let creds: TestCredentials;
  let emu: SalesforceEmulator;
  let sf: SfSandbox;
  let project: string;

  const keyOf = (name: string): string =>
    (emu.state().apps as Json[]).find((a) => a.name === name)?.consumerKey as string;

  before(async () => {
    creds = await makeCredentials('sf deploy');
    emu = await startEmulator({ users: [{ username: ADMIN }, { username: CI }] });
    sf = await SfSandbox.create();
    const login = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'admin', '--json'],
      {
        env: { SF_ACCESS_TOKEN: emu.issueAccessToken(ADMIN).access_token },
      },
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    expect(login.json?.result).to.include({ username: ADMIN });
    // the plugin's own files, as `sf jwt-setup app` writes them; no consumerKey: Salesforce generates one
    project = await writeProject([
      ...appFiles('CI_App', creds.certificatePem, { permissionSet: 'CI_Users' }),
      ...appFiles('Rest_App', creds.certificatePem, { permissionSet: 'Rest_Users' }),
    ]);
  });

  after(async () => {
    await emu?.stop();
    await sf?.dispose();
  });

  it('sf project deploy start (SOAP) makes the app live; sf org assign permset admits the user, a second time reports the duplicate', async () => {
    emu.clearLog();
    const deploy = await sf.run(
      [
        'project',
        'deploy',
        'start',
        '--metadata',
        'ExternalClientApplication:CI_App',
        '--metadata',
        'ExtlClntAppOauthSettings:CI_App_oauth',
        '--metadata',
        'ExtlClntAppGlobalOauthSettings:CI_App_glbloauth',
        '--metadata',
        'ExtlClntAppOauthConfigurablePolicies:CI_App_oauthPlcy',
        '--metadata',
        'ExtlClntAppConfigurablePolicies:CI_App_plcy',
        '--metadata',
        'PermissionSet:CI_Users',
        '--target-org',
        'admin',
        '--json',
      ],
      { cwd: project },
    );
    expect(deploy.code, deploy.stdout + deploy.stderr).to.equal(0);
    expect(deploy.json?.result).to.include({ status: 'Succeeded', success: true });
    // deploy, then checkDeployStatus until done (the first poll answers done:false)
    expect(emu.requestLog.map((e) => `${e.method} ${e.path}`)).to.deep.equal([
      'POST /services/Soap/m/66.0',
      'POST /services/Soap/m/66.0',
      'POST /services/Soap/m/66.0',
    ]);
    expect(emu.deploys().map((d) => [d.via, d.status])).to.deep.equal([['SOAP', 'Succeeded']]);
    const key = keyOf('CI_App');
    expect(key).to.match(/^3MVG9/);
    expect((await jwtLogin(emu.url, creds, key, CI)).body).to.include({
      error_description: "user hasn't approved this consumer",
    });

    const assign = await sf.run([
      'org',
      'assign',
      'permset',
      '--name',
      'CI_Users',
      '--on-behalf-of',
      CI,
      '--target-org',
      'admin',
      '--json',
    ]);
    expect(assign.code, assign.stdout).to.equal(0);
    expect(assign.json?.result).to.deep.equal({ successes: [{ name: CI, value: 'CI_Users' }], failures: [] });
    expect((await jwtLogin(emu.url, creds, key, CI)).status).to.equal(200);

    const again = await sf.run([
      'org',
      'assign',
      'permset',
      '--name',
      'CI_Users',
      '--on-behalf-of',
      CI,
      '--target-org',
      'admin',
      '--json',
    ]);
    expect(again.code).to.equal(1);
    const failures = (again.json?.result?.failures ?? []) as Json[];
    expect(failures[0]?.message).to.match(/^Duplicate PermissionSetAssignment/);
  });

  it('with SF_ORG_METADATA_REST_DEPLOY=true the deploy goes over REST and works the same', async () => {
    const deploy = await sf.run(
      [
        'project',
        'deploy',
        'start',
        '--metadata',
        'ExternalClientApplication:Rest_App',
        '--metadata',
        'ExtlClntAppGlobalOauthSettings:Rest_App_glbloauth',
        '--metadata',
        'ExtlClntAppOauthConfigurablePolicies:Rest_App_oauthPlcy',
        '--metadata',
        'ExtlClntAppConfigurablePolicies:Rest_App_plcy',
        '--metadata',
        'PermissionSet:Rest_Users',
        '--target-org',
        'admin',
        '--json',
      ],
      { cwd: project, env: { SF_ORG_METADATA_REST_DEPLOY: 'true' } },
    );
    expect(deploy.code, deploy.stdout + deploy.stderr).to.equal(0);
    expect(emu.deploys().at(-1)).to.include({ via: 'REST', status: 'Succeeded' });
    expect(
      emu.requestLog.some((e) => e.method === 'POST' && e.path === '/services/data/v66.0/metadata/deployRequest'),
    ).to.equal(true);
    expect((emu.state().apps as Json[]).find((a) => a.name === 'Rest_App')).to.deep.include({
      permissionSets: ['Rest_Users'],
      preAuthorized: true,
    });
  });

  it('sf project retrieve start gets the global OAuth settings back, with the consumer key unless the org withholds it', async () => {
    const retrieve = (dir: string): Promise<Awaited<ReturnType<SfSandbox['run']>>> =>
      sf.run(
        [
          'project',
          'retrieve',
          'start',
          '--metadata',
          'ExtlClntAppGlobalOauthSettings:CI_App_glbloauth',
          '--target-org',
          'admin',
          '--output-dir',
          dir,
          '--json',
        ],
        { cwd: project },
      );
    const file = (dir: string): string =>
      join(project, dir, 'extlClntAppGlobalOauthSets', 'CI_App_glbloauth.ecaGlblOauth-meta.xml');
    emu.clearLog();
    const withKey = await retrieve('with-key');
    expect(withKey.code, withKey.stdout + withKey.stderr).to.equal(0);
    // retrieve asks whether the org tracks source first; 404 NOT_FOUND = no tracking
    expect(emu.requestLog.find((e) => e.path.endsWith('/tooling/sobjects/SourceMember/describe'))?.status).to.equal(
      404,
    );
    const text = await readFile(file('with-key'), 'utf8');
    expect(text)
      .to.include(`<consumerKey>${keyOf('CI_App')}</consumerKey>`)
      .and.include(creds.certificatePem.split('\n')[1]);

    emu.setSwitches({ withholdConsumerKeys: true });
    const withheld = await retrieve('withheld');
    emu.setSwitches({ withholdConsumerKeys: false });
    expect(withheld.code, withheld.stdout + withheld.stderr).to.equal(0);
    expect(await readFile(file('withheld'), 'utf8'))
      .to.include('<certificate>')
      .and.not.include('consumerKey');
  });

  it('a refused component makes sf project deploy start exit 1 and print the problem; nothing is applied', async () => {
    const [eca] = appFiles('Broken_App', creds.certificatePem);
    const broken = await writeProject([
      { ...eca, content: eca.content.replace('<label>', '<frobnicate>true</frobnicate>\n    <label>') },
    ]);
    const run = await sf.run(['project', 'deploy', 'start', '--source-dir', 'force-app', '--target-org', 'admin'], {
      cwd: broken,
    });
    expect(run.code).to.equal(1);
    expect(run.stdout + run.stderr).to.include(
      'Element {http://soap.sforce.com/2006/04/metadata}frobnicate invalid at this location in type ExternalClientApplication',
    );
    expect(emu.deploys().at(-1)).to.include({ status: 'Failed' });
    expect((emu.state().metadata as Json).ExternalClientApplication).to.not.include('Broken_App');
  });

  it('SDR in process: ComponentSet.fromSource(dir).deploy + pollStatus deploys; a Connected App is refused while creation is blocked', async () => {
    const { access_token: accessToken } = emu.issueAccessToken(ADMIN);
    const authInfo = await AuthInfo.create({
      accessTokenOptions: { accessToken, instanceUrl: emu.url, loginUrl: emu.url },
    });
    const connection = await Connection.create({ authInfo });
    const dir = await writeProject(appFiles('Sdr_App', creds.certificatePem, { permissionSet: 'Sdr_Users' }));
    const deploy = await ComponentSet.fromSource(join(dir, 'force-app')).deploy({ usernameOrConnection: connection });
    const result = await deploy.pollStatus(100, 30);
    expect(result.response).to.include({ status: 'Succeeded', success: true, done: true });
    expect(result.getFileResponses().every((r) => r.state === ComponentStatus.Created)).to.equal(true);
    expect(keyOf('Sdr_App')).to.match(/^3MVG9/);

    const caDir = await writeProject(appFiles('Sdr_Connected', creds.certificatePem, { kind: 'connected' }));
    const refused = await (
      await ComponentSet.fromSource(join(caDir, 'force-app')).deploy({ usernameOrConnection: connection })
    ).pollStatus(100, 30);
    expect(refused.response).to.include({ status: 'Failed', success: false });
    const failure = refused.getFileResponses().find((r) => r.state === ComponentStatus.Failed);
    expect(failure).to.include({ fullName: 'Sdr_Connected', type: 'ConnectedApp' });
    expect((failure as { error?: string }).error).to.include(CONNECTED_APP_BLOCKED);
  });
});
