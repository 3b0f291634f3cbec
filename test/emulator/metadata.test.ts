/*
 * The emulator's org side: Metadata API deploy/retrieve (SOAP and REST), what a deploy refuses, deployed apps
 * becoming live at the token endpoint (after the propagation delay), permission sets and assignments, SOQL, admin API.
 * The real sf CLI and SDR run against it in metadata-sf.test.ts.
 */
import { expect } from 'chai';
import { makeCredentials, type TestCredentials } from './testkit.js';
import { appFiles, jwtLogin, mdapiZip, query, restDeploy, soapCall, soapRetrieve } from './metadata-helpers.js';
import { startEmulator, CONNECTED_APP_BLOCKED, type EmulatorOptions, type SalesforceEmulator } from './index.js';

const ADMIN = 'admin@acme.example';
const CI = 'ci@acme.example';
type Json = Record<string, unknown>;

describe('emulator org side: Metadata API, permission sets, propagation', function () {
  this.timeout(30_000);
  let creds: TestCredentials;
  let other: TestCredentials;
  const running: SalesforceEmulator[] = [];

  before(async () => {
    [creds, other] = await Promise.all([makeCredentials('app'), makeCredentials('other')]);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  async function org(options: EmulatorOptions = {}): Promise<{ emu: SalesforceEmulator; token: string }> {
    const emu = await startEmulator({
      users: [{ username: ADMIN }, { username: CI, permissionSets: ['CI_Users'] }],
      ...options,
    });
    running.push(emu);
    return { emu, token: emu.issueAccessToken(ADMIN).access_token };
  }
  const keyOf = (emu: SalesforceEmulator, name: string): string => {
    const app = (emu.state().apps as Json[]).find((a) => a.name === name);
    if (!app) throw new Error(`app ${name} is not live`);
    return app.consumerKey as string;
  };
  const problems = (result: Json): string[] => {
    const failures = (result.details as Json).componentFailures as Json[];
    return failures.map((f) => `${f.componentType as string}:${f.fullName as string}: ${f.problem as string}`);
  };

  it('SOAP deploy: Queued, then done:false, then a deployResult with text booleans; the app logs users in', async () => {
    const { emu, token } = await org();
    const zip = await mdapiZip(appFiles('CI_App', creds.certificatePem, { permissionSet: 'CI_Users' }));
    const deploy = await soapCall(
      emu.url,
      token,
      'deploy',
      `<ZipFile>${zip.toString('base64')}</ZipFile><DeployOptions><rollbackOnError>true</rollbackOnError><singlePackage>true</singlePackage></DeployOptions>`,
    );
    expect(deploy.status).to.equal(200);
    const id = (deploy.body.result as Json).id as string;
    expect(deploy.body.result).to.include({ done: 'false', state: 'Queued' });
    expect(id).to.match(/^0Af\w{15}$/);
    const first = (
      await soapCall(
        emu.url,
        token,
        'checkDeployStatus',
        `<asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails>`,
      )
    ).body.result as Json;
    expect(first).to.include({ done: 'false', status: 'InProgress', success: 'false' });
    const last = (
      await soapCall(
        emu.url,
        token,
        'checkDeployStatus',
        `<asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails>`,
      )
    ).body.result as Json;
    expect(last).to.include({
      done: 'true',
      status: 'Succeeded',
      success: 'true',
      checkOnly: 'false',
      rollbackOnError: 'true',
      numberComponentsDeployed: '6',
      numberComponentErrors: '0',
      numberComponentsTotal: '6',
    });
    const successes = (last.details as Json).componentSuccesses as Json[];
    expect(successes.map((s) => s.fileName)).to.include.members([
      'externalClientApps/CI_App.eca',
      'extlClntAppGlobalOauthSets/CI_App_glbloauth.ecaGlblOauth',
      'package.xml',
    ]);
    const key = keyOf(emu, 'CI_App');
    expect(key).to.match(/^3MVG9[\w.]{80}$/);
    expect((await jwtLogin(emu.url, creds, key, CI)).status).to.equal(200);
    expect((await jwtLogin(emu.url, creds, key, ADMIN)).body).to.include({
      error: 'invalid_grant',
      error_description: "user hasn't approved this consumer",
    });
    expect(emu.deploys()).to.have.length(1);
    expect(emu.deploys()[0]).to.include({ via: 'SOAP', status: 'Succeeded', done: true });
  });

  it('SOAP: an unknown session is HTTP 500 with the fault sf:INVALID_SESSION_ID (what jsforce refreshes on)', async () => {
    const { emu } = await org();
    const res = await soapCall(
      emu.url,
      '00Dbogus!token',
      'checkDeployStatus',
      '<asyncProcessId>0Af000000000001AAA</asyncProcessId>',
    );
    expect(res.status).to.equal(500);
    expect(res.raw).to.match(/<faultcode>sf:INVALID_SESSION_ID<\/faultcode>/);
    expect(res.body)
      .to.have.property('faultstring')
      .that.matches(/^INVALID_SESSION_ID/);
  });

  it('cancelDeploy before the result: Canceled, nothing applied; deployPolls sets how long a deploy stays InProgress', async () => {
    const { emu, token } = await org({ switches: { deployPolls: 3 } });
    const zip = await mdapiZip(appFiles('Cancel_App', creds.certificatePem));
    const deploy = await soapCall(
      emu.url,
      token,
      'deploy',
      `<ZipFile>${zip.toString('base64')}</ZipFile><DeployOptions></DeployOptions>`,
    );
    const id = (deploy.body.result as Json).id as string;
    const check = async (): Promise<Json> =>
      (
        await soapCall(
          emu.url,
          token,
          'checkDeployStatus',
          `<asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails>`,
        )
      ).body.result as Json;
    expect((await check()).done).to.equal('false');
    expect((await check()).done).to.equal('false');
    const cancel = await soapCall(emu.url, token, 'cancelDeploy', `<id>${id}</id>`);
    expect(cancel.body.result).to.include({ id, done: 'true' });
    expect(await check()).to.include({ done: 'true', status: 'Canceled', success: 'false' });
    expect(emu.state().apps).to.deep.equal([]);
    expect(emu.deploys()[0]).to.include({ status: 'Canceled', done: true });
    const unknown = await soapCall(
      emu.url,
      token,
      'checkDeployStatus',
      '<asyncProcessId>0Af000000000000AAA</asyncProcessId>',
    );
    expect(unknown.status).to.equal(500);
    expect(unknown.raw).to.include('<faultcode>sf:INVALID_ID_FIELD</faultcode>');
  });

  it('REST deploy: 201 with an id, polls with real booleans, details always present; the deploy is listed', async () => {
    const { emu, token } = await org();
    const { created, polls, result } = await restDeploy(
      emu.url,
      token,
      await mdapiZip(appFiles('Rest_App', creds.certificatePem, { permissionSet: 'CI_Users' })),
    );
    expect(created.id).to.match(/^0Af/);
    expect((created.deployResult as Json).done).to.equal(false);
    expect((polls[0].deployResult as Json).done).to.equal(false);
    expect(polls[0].deployResult).to.have.nested.property('details.componentSuccesses').that.deep.equals([]);
    expect(result).to.include({
      done: true,
      success: true,
      status: 'Succeeded',
      numberTestsTotal: 0,
      runTestsEnabled: false,
      ignoreWarnings: false,
    });
    for (const field of ['createdDate', 'startDate', 'completedDate']) expect(result[field], field).to.be.a('string');
    const message = ((result.details as Json).componentSuccesses as Json[]).find(
      (m) => m.componentType === 'ExternalClientApplication',
    );
    expect(message).to.include({ fullName: 'Rest_App', created: true, changed: false, deleted: false, success: true });
    expect(emu.deploys().map((d) => d.via)).to.deep.equal(['REST']);
  });

  it('refuses unknown elements, missing required fields, unknown permission sets, non-PEM certificates; rolls everything back', async () => {
    const { emu, token } = await org();
    const files = appFiles('Bad_App', creds.certificatePem, { permissionSet: 'Nope_PS' }).filter(
      (f) => f.type !== 'PermissionSet',
    );
    const eca = files.find((f) => f.type === 'ExternalClientApplication')!;
    const global = files.find((f) => f.type === 'ExtlClntAppGlobalOauthSettings')!;
    const zip = await mdapiZip(files, '64.0', {
      [eca.fullName]: eca.content.replace(/<label>.*<\/label>/, '<bogusElement>x</bogusElement>'),
      [global.fullName]: global.content.replace(
        /<certificate>[\s\S]*<\/certificate>/,
        '<certificate>not a certificate</certificate>',
      ),
    });
    const { result } = await restDeploy(emu.url, token, zip);
    expect(result).to.include({ status: 'Failed', success: false, done: true });
    const text = problems(result);
    expect(text).to.include(
      'ExternalClientApplication:Bad_App: Error parsing file: Element {http://soap.sforce.com/2006/04/metadata}bogusElement invalid at this location in type ExternalClientApplication',
    );
    expect(
      text.some((t) => t.startsWith('ExtlClntAppGlobalOauthSettings:Bad_App_glbloauth: The certificate is not valid')),
    ).to.equal(true);
    expect(text).to.include(
      "ExtlClntAppOauthConfigurablePolicies:Bad_App_oauthPlcy: We couldn't find permission sets called Nope_PS",
    );
    expect(((result.details as Json).componentFailures as Json[])[0]).to.include({
      problemType: 'Error',
      success: false,
    });
    // rollbackOnError (default): the passing components were not saved either
    expect((emu.state().metadata as Json).ExtlClntAppOauthSettings ?? []).to.deep.equal([]);

    const missing = await mdapiZip([
      {
        ...eca,
        content: eca.content.replace(/<contactEmail>.*<\/contactEmail>/, '').replace(/<label>.*<\/label>/, ''),
      },
    ]);
    expect(problems((await restDeploy(emu.url, token, missing)).result)).to.deep.equal([
      'ExternalClientApplication:Bad_App: Required field is missing: contactEmail',
      'ExternalClientApplication:Bad_App: Required field is missing: label',
    ]);
  });

  it('isNamedUserJwtEnabled exists in API 61-63 only; permission sets may be named by id', async () => {
    const { emu, token } = await org({ permissionSets: [{ name: 'By_Id', label: 'By id' }] });
    const psId = ((emu.state().permissionSets as Json[]).find((p) => p.name === 'By_Id')!.id as string).slice(0, 15);
    const files = appFiles('Jwt_App', creds.certificatePem, { permissionSet: psId }).filter(
      (f) => f.type !== 'PermissionSet',
    );
    const policies = files.find((f) => f.type === 'ExtlClntAppOauthConfigurablePolicies')!;
    const withFlag = {
      [policies.fullName]: policies.content.replace(
        '<label>',
        '<isNamedUserJwtEnabled>false</isNamedUserJwtEnabled>\n    <label>',
      ),
    };
    const at64 = await restDeploy(emu.url, token, await mdapiZip(files, '64.0', withFlag));
    expect(problems(at64.result)).to.deep.equal([
      'ExtlClntAppOauthConfigurablePolicies:Jwt_App_oauthPlcy: Error parsing file: Element {http://soap.sforce.com/2006/04/metadata}isNamedUserJwtEnabled invalid at this location in type ExtlClntAppOauthConfigurablePolicies',
    ]);
    const at62 = await restDeploy(emu.url, token, await mdapiZip(files, '62.0', withFlag));
    expect(at62.result.status).to.equal('Succeeded');
    expect((emu.state().apps as Json[]).find((a) => a.name === 'Jwt_App')).to.deep.include({
      permissionSets: ['By_Id'],
    });
  });

  it('rollbackOnError false: SucceededPartial applies what passed; checkOnly validates and changes nothing', async () => {
    const { emu, token } = await org();
    const ok = appFiles('Part_App', creds.certificatePem, { permissionSet: 'Part_PS' });
    const broken = appFiles('Broken_App', creds.certificatePem).find((f) => f.type === 'ExtlClntAppOauthSettings')!;
    const zip = await mdapiZip([...ok, broken]);
    const partial = await restDeploy(emu.url, token, zip, { rollbackOnError: false });
    expect(partial.result).to.include({
      status: 'SucceededPartial',
      success: true,
      numberComponentErrors: 1,
      numberComponentsDeployed: 6,
    });
    expect(problems(partial.result)).to.deep.equal([
      'ExtlClntAppOauthSettings:Broken_App_oauth: No ExternalClientApplication named Broken_App found',
    ]);
    expect(keyOf(emu, 'Part_App')).to.match(/^3MVG9/);

    const validate = await restDeploy(emu.url, token, await mdapiZip(appFiles('Check_App', creds.certificatePem)), {
      checkOnly: true,
    });
    expect(validate.result).to.include({ status: 'Succeeded', checkOnly: true });
    expect((emu.state().apps as Json[]).some((a) => a.name === 'Check_App')).to.equal(false);
    expect((emu.state().metadata as Json).ExternalClientApplication).to.deep.equal(['Part_App']);
  });

  it('components may arrive in separate deploys; a redeploy without consumerKey keeps the key and swaps the certificate', async () => {
    const { emu, token } = await org();
    const files = appFiles('Split_App', creds.certificatePem, { permissionSet: 'CI_Users' }).filter(
      (f) => f.type !== 'PermissionSet',
    );
    const [header, ...children] = files;
    await restDeploy(emu.url, token, await mdapiZip([header]));
    expect((emu.state().apps as Json[]).some((a) => a.name === 'Split_App')).to.equal(false);
    await restDeploy(emu.url, token, await mdapiZip(children));
    const key = keyOf(emu, 'Split_App');
    expect((await jwtLogin(emu.url, creds, key, CI)).status).to.equal(200);

    const rotated = appFiles('Split_App', other.certificatePem).find(
      (f) => f.type === 'ExtlClntAppGlobalOauthSettings',
    )!;
    const redeploy = await restDeploy(emu.url, token, await mdapiZip([rotated]));
    expect(redeploy.result.status).to.equal('Succeeded');
    expect(((redeploy.result.details as Json).componentSuccesses as Json[])[0]).to.include({
      changed: true,
      created: false,
    });
    expect(keyOf(emu, 'Split_App')).to.equal(key);
    expect((await jwtLogin(emu.url, other, key, CI)).status).to.equal(200);
    expect((await jwtLogin(emu.url, creds, key, CI)).body).to.include({ error_description: 'invalid assertion' });
  });

  it('Connected Apps: refused while creation is blocked (the default), created when allowed; consumer keys stay unique', async () => {
    const { emu, token } = await org();
    const files = appFiles('Old_App', creds.certificatePem, {
      kind: 'connected',
      permissionSet: 'CI_Users',
      consumerKey: '3MVG9ConnectedAppKey1234567890',
    }).filter((f) => f.type !== 'PermissionSet');
    const blocked = await restDeploy(emu.url, token, await mdapiZip(files));
    expect(problems(blocked.result)).to.deep.equal([`ConnectedApp:Old_App: ${CONNECTED_APP_BLOCKED}`]);
    emu.setSwitches({ blockConnectedAppCreation: false });
    expect((await restDeploy(emu.url, token, await mdapiZip(files))).result.status).to.equal('Succeeded');
    expect((await jwtLogin(emu.url, creds, '3MVG9ConnectedAppKey1234567890', CI)).status).to.equal(200);
    const clash = appFiles('Clash_App', creds.certificatePem, { consumerKey: '3MVG9ConnectedAppKey1234567890' }).filter(
      (f) => f.type !== 'PermissionSet',
    );
    expect(problems((await restDeploy(emu.url, token, await mdapiZip(clash))).result)).to.deep.equal([
      'ExtlClntAppGlobalOauthSettings:Clash_App_glbloauth: The consumer key is already taken.',
    ]);
  });

  it('propagation: a new app, an assignment and a new certificate work only after the delay; frozen certificates never', async () => {
    const { emu, token } = await org({
      switches: { propagationDelayMs: 400 },
      users: [{ username: ADMIN }, { username: CI }],
      permissionSets: [{ name: 'CI_Users' }],
    });
    const key = '3MVG9LagAppConsumerKey000001';
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    const files = appFiles('Lag_App', creds.certificatePem, { permissionSet: 'CI_Users', consumerKey: key }).filter(
      (f) => f.type !== 'PermissionSet',
    );
    await restDeploy(emu.url, token, await mdapiZip(files));
    expect((await jwtLogin(emu.url, creds, key, CI)).body).to.include({ error: 'invalid_client_id' });
    await sleep(500);
    expect((await jwtLogin(emu.url, creds, key, CI)).body).to.include({
      error_description: "user hasn't approved this consumer",
    });

    const ps = (await query(emu.url, token, "SELECT Id FROM PermissionSet WHERE Name='CI_Users'")).body
      .records as Json[];
    const user = (await query(emu.url, token, `SELECT Id FROM User WHERE Username='${CI}'`)).body.records as Json[];
    const insert = await fetch(`${emu.url}/services/data/v64.0/sobjects/PermissionSetAssignment`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ AssigneeId: user[0].Id, PermissionSetId: ps[0].Id }),
    });
    expect(insert.status).to.equal(201);
    expect(await insert.json())
      .to.include({ success: true })
      .and.have.property('id')
      .that.matches(/^0Pa/);
    // the record exists at once; the token endpoint learns of it only after the delay
    expect(
      (await query(emu.url, token, `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId='${user[0].Id as string}'`))
        .body.totalSize,
    ).to.equal(1);
    expect((await jwtLogin(emu.url, creds, key, CI)).body).to.include({
      error_description: "user hasn't approved this consumer",
    });
    await sleep(500);
    expect((await jwtLogin(emu.url, creds, key, CI)).status).to.equal(200);

    emu.setSwitches({ propagationDelayMs: 0, freezeCertificates: true });
    const rotated = appFiles('Lag_App', other.certificatePem).find((f) => f.type === 'ExtlClntAppGlobalOauthSettings')!;
    expect((await restDeploy(emu.url, token, await mdapiZip([rotated]))).result.status).to.equal('Succeeded');
    expect((await jwtLogin(emu.url, other, key, CI)).body).to.include({ error_description: 'invalid assertion' });
    expect((await jwtLogin(emu.url, creds, key, CI)).status).to.equal(200);
  });

  it('retrieve: live apps and permission sets (* = all), consumer keys unless withheld, never secrets, messages for the missing', async () => {
    const { emu, token } = await org({
      apps: [
        {
          consumerKey: '3MVG9ConfiguredKey0001',
          certificatePem: creds.certificatePem,
          name: 'Configured',
          permissionSets: ['CI_Users'],
        },
      ],
    });
    const global = appFiles('Ret_App', creds.certificatePem, { consumerKey: '3MVG9RetrievedKey0001' }).map((f) =>
      f.type === 'ExtlClntAppGlobalOauthSettings'
        ? {
            ...f,
            content: f.content.replace('<consumerKey>', '<consumerSecret>S3CR3T</consumerSecret>\n    <consumerKey>'),
          }
        : f,
    );
    expect((await restDeploy(emu.url, token, await mdapiZip(global))).result.status).to.equal('Succeeded');
    const types = [
      { name: 'ExtlClntAppGlobalOauthSettings', members: ['*'] },
      { name: 'PermissionSet', members: ['CI_Users'] },
      { name: 'ExternalClientApplication', members: ['Ghost'] },
    ];
    const { result, files } = await soapRetrieve(emu.url, token, types);
    expect(result).to.include({ status: 'Succeeded', success: 'true' });
    expect([...files.keys()].sort()).to.deep.equal([
      'unpackaged/extlClntAppGlobalOauthSets/Configured_glbloauth.ecaGlblOauth',
      'unpackaged/extlClntAppGlobalOauthSets/Ret_App_glbloauth.ecaGlblOauth',
      'unpackaged/package.xml',
      'unpackaged/permissionsets/CI_Users.permissionset',
    ]);
    const retrieved = files.get('unpackaged/extlClntAppGlobalOauthSets/Ret_App_glbloauth.ecaGlblOauth')!;
    expect(retrieved)
      .to.include('<consumerKey>3MVG9RetrievedKey0001</consumerKey>')
      .and.include('-----BEGIN CERTIFICATE-----')
      .and.not.include('S3CR3T');
    expect(result.messages).to.deep.include({
      fileName: 'unpackaged/package.xml',
      problem: "Entity of type 'ExternalClientApplication' named 'Ghost' cannot be found",
    });

    emu.setSwitches({ withholdConsumerKeys: true });
    const withheld = await soapRetrieve(emu.url, token, [
      { name: 'ExtlClntAppGlobalOauthSettings', members: ['Ret_App_glbloauth'] },
    ]);
    expect(withheld.files.get('unpackaged/extlClntAppGlobalOauthSets/Ret_App_glbloauth.ecaGlblOauth'))
      .to.include('<certificate>')
      .and.not.include('consumerKey');
  });

  it('SOQL: User with Profile.Name, UserLogin, Profile, PermissionSet, PermissionSetAssignment with parent fields', async () => {
    const { emu, token } = await org({
      users: [
        { username: ADMIN },
        { username: CI, profile: 'Minimum Access - API Only Integrations', permissionSets: ['CI_Users'], frozen: true },
      ],
    });
    const users = (
      await query(
        emu.url,
        token,
        `SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User WHERE Username = '${CI}'`,
      )
    ).body.records as Json[];
    expect(users[0])
      .to.deep.include({ Username: CI, IsActive: true })
      .and.have.nested.property('Profile.Name', 'Minimum Access - API Only Integrations');
    const profile = (
      await query(emu.url, token, `SELECT Id, Name FROM Profile WHERE Id = '${users[0].ProfileId as string}'`)
    ).body.records as Json[];
    expect(profile[0].Name).to.equal('Minimum Access - API Only Integrations');
    const login = (
      await query(
        emu.url,
        token,
        `SELECT IsFrozen FROM UserLogin WHERE UserId = '${(users[0].Id as string).slice(0, 15)}'`,
      )
    ).body.records as Json[];
    expect(login[0].IsFrozen).to.equal(true);
    const sets = (
      await query(
        emu.url,
        token,
        'SELECT Id, Name, Label, NamespacePrefix FROM PermissionSet WHERE IsOwnedByProfile = false',
      )
    ).body.records as Json[];
    expect(sets.map((s) => s.Name)).to.deep.equal(['CI_Users']);
    const psa = (
      await query(
        emu.url,
        token,
        `SELECT Id, AssigneeId, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId IN ('${users[0].Id as string}') AND PermissionSet.Name = 'CI_Users'`,
      )
    ).body;
    expect(psa.totalSize).to.equal(1);
    expect((psa.records as Json[])[0]).to.have.nested.property('PermissionSet.Name', 'CI_Users');
  });

  it('REST: duplicate assignments are DUPLICATE_VALUE; SourceMember describe is NOT_FOUND; User by id', async () => {
    const { emu, token } = await org();
    const state = emu.state();
    const ci = (state.users as Json[]).find((u) => u.username === CI)!;
    const ps = (state.permissionSets as Json[]).find((p) => p.name === 'CI_Users')!;
    const dup = await fetch(`${emu.url}/services/data/v64.0/sobjects/PermissionSetAssignment`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ AssigneeId: ci.userId, PermissionSetId: ps.id }),
    });
    expect(dup.status).to.equal(400);
    const body = (await dup.json()) as Json[];
    expect(body[0])
      .to.include({ errorCode: 'DUPLICATE_VALUE' })
      .and.have.property('message')
      .that.matches(/^Duplicate PermissionSetAssignment/);
    const describe = await fetch(`${emu.url}/services/data/v64.0/tooling/sobjects/SourceMember/describe`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(describe.status).to.equal(404);
    expect(((await describe.json()) as Json[])[0]).to.include({ errorCode: 'NOT_FOUND' });
    const user = await fetch(`${emu.url}/services/data/v51.0/sobjects/User/${ci.userId as string}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(await user.json()).to.include({ Username: CI });
  });

  it('admin API: switches, permission sets, access tokens, deploys', async () => {
    const { emu } = await org();
    const post = (route: string, body: unknown): Promise<Response> =>
      fetch(`${emu.url}/__emulator/${route}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('switches', { propagationDelayMs: 250, withholdConsumerKeys: true })).status).to.equal(200);
    expect((await post('switches', { nonsense: true })).status).to.equal(400);
    expect((await post('permission-sets', { name: 'Admin_Made', label: 'Admin made' })).status).to.equal(200);
    const issued = (await (await post('access-token', { username: CI })).json()) as Json;
    expect(issued.access_token).to.match(/^00D\w{12,15}!/);
    expect(issued.instance_url).to.equal(emu.url);
    const sets = await query(
      emu.url,
      issued.access_token as string,
      "SELECT Label FROM PermissionSet WHERE Name = 'Admin_Made'",
    );
    expect((sets.body.records as Json[])[0].Label).to.equal('Admin made');
    const state = (await (await fetch(`${emu.url}/__emulator/state`)).json()) as Json;
    expect(state.switches).to.include({
      propagationDelayMs: 250,
      withholdConsumerKeys: true,
      blockConnectedAppCreation: true,
      freezeCertificates: false,
    });
    expect(await (await fetch(`${emu.url}/__emulator/deploys`)).json()).to.deep.equal([]);
  });
});
