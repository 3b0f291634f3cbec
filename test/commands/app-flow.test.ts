/*
 * The whole setup as a user runs it: keygen → app (metadata) → the emulator configures its app from those generated
 * files (as a deploy would) → login succeeds for a user holding the generated permission set. A user without it is
 * refused with UserNotApproved, and doctor's diagnosis names the remedy.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import AppCommand, { type AppResult } from '../../src/commands/jwt-setup/app.js';
import { readAppMetadata } from '../../src/app/read-metadata.js';
import { resolveLoginInputs } from '../../src/auth/inputs.js';
import { credentialsFromFlags } from '../../src/cli/credentials.js';
import { login } from '../../src/auth/login.js';
import {
  runDoctorWithFlags as runDoctor,
  expectCoded,
  isolatedHome,
  rejection,
  runCommand,
  tempDir,
  type Home,
} from '../helpers/index.js';

import { keygen } from '../../src/keys/keygen.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';

describe('keygen → app → deploy (emulator) → login', function () {
  this.timeout(60_000);
  let home: Home;
  let emulator: SalesforceEmulator;
  let app: AppResult;
  let keyFile: string;

  before(async () => {
    home = await isolatedHome();
    const dir = await tempDir('sfjwt-flow-');
    const keys = await keygen({ outputDir: join(dir, 'jwt'), name: 'server', keySize: 2048, days: 365, force: false });
    keyFile = keys.keyFile;
    const ran = await runCommand<AppResult>(AppCommand, [
      '--name',
      'CI_Deploy',
      '--certificate-file',
      keys.certificateFile,
      '--contact-email',
      'devops@acme.com',
      '--output-dir',
      join(dir, 'force-app'),
      '--json',
    ]);
    expect(ran.error, ran.stderr).to.equal(undefined);
    app = ran.result as AppResult;
    const deployed = await readAppMetadata(join(dir, 'force-app'));
    expect(deployed).to.have.length(1);
    expect(deployed[0]).to.include({ consumerKey: app.consumerKey, preAuthorized: true, kind: 'external' });
    expect(deployed[0].permissionSets).to.deep.equal([app.permissionSet]);
    emulator = await startEmulator({
      apps: deployed.map((a) => ({ ...a })),
      users: [
        { username: 'ci@acme.com', permissionSets: [app.permissionSet as string] },
        { username: 'unassigned@acme.com', permissionSets: [] },
      ],
    });
  });

  after(async () => {
    await emulator?.stop();
    await home?.restore();
  });

  const flagsFor = (username: string): Record<string, string> => ({
    username,
    'client-id': app.consumerKey,
    'jwt-key-file': keyFile,
    'instance-url': emulator.url,
  });

  it('logs in a user holding the generated permission set, with the generated consumer key', async () => {
    const outcome = await login(resolveLoginInputs(credentialsFromFlags(flagsFor('ci@acme.com'), {}), {}));
    expect(outcome.clientId).to.equal(app.consumerKey);
    expect(outcome.orgId).to.match(/^00D/);
  });

  it('refuses a user without the permission set (UserNotApproved), and doctor says to assign it', async () => {
    expectCoded(
      await rejection(login(resolveLoginInputs(credentialsFromFlags(flagsFor('unassigned@acme.com'), {}), {}))),
      'UserNotApproved',
    );
    const report = await runDoctor(flagsFor('unassigned@acme.com'), { timeoutSeconds: 20, env: {} });
    expect(report.ok).to.equal(false);
    const exchange = report.checks.find((c) => c.id === 'exchange');
    expect(exchange?.status).to.equal('fail');
    expect(exchange?.detail).to.include("user hasn't approved this consumer");
    expect(exchange?.fix).to.include('sf org assign permset');
  });
});
