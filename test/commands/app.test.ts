import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ComponentSet } from '@salesforce/source-deploy-retrieve';
import App, { type AppResult } from '../../src/commands/jwt-setup/app.js';
import { keygen } from '../../src/keys/keygen.js';
import { readAppMetadata } from '../../src/app/read-metadata.js';
import { errorName, type ErrorCode } from '../../src/errors.js';
import { runCommand, type Ran } from '../helpers/index.js';

/** Run the command with stdout/stderr captured (the shared runner of the command tests). */
const run = (args: string[]): Promise<Ran<AppResult>> => runCommand<AppResult>(App, args);

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.startsWith(join(dir, 'node_modules')));
}

describe('sf jwt-setup app', () => {
  const cwd = process.cwd();
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'app-cmd-'));
    // Worker threads (sf's logger) inherit `--import tsx` and resolve it from the current folder: give them the repo's.
    await symlink(join(cwd, 'node_modules'), join(dir, 'node_modules'), 'dir');
    process.chdir(dir);
    await keygen({ outputDir: dir, name: 'server', keySize: 2048, days: 365, force: false });
  });

  afterEach(async () => {
    process.chdir(cwd);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes an External Client App into force-app/main/default from ./server.crt, and reports it', async () => {
    const { result, stdout, error } = await run(['--name', 'CI_Deploy', '--contact-email', 'devops@acme.example']);
    expect(error).to.equal(undefined);
    const r = result!;
    const outputDir = join(dir, 'force-app', 'main', 'default');
    expect(r).to.include({
      type: 'external',
      name: 'CI_Deploy',
      label: 'CI Deploy',
      consumerKeyGenerated: true,
      permissionSet: 'CI_Deploy_Users',
      permissionSetCreated: true,
      apiVersion: '64.0',
      outputDir,
      certificateFile: join(dir, 'server.crt'),
    });
    expect(r.consumerKey).to.match(/^[A-Za-z0-9]{64}$/);
    expect(r.scopes).to.deep.equal(['api', 'refresh_token']);
    expect(r.metadataScopes).to.deep.equal(['Api', 'RefreshToken']);
    expect(r.profiles).to.deep.equal([]);
    expect(r.certificateFingerprintSha256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(r.files.sort()).to.deep.equal((await allFiles(dir)).filter((f) => f.startsWith(outputDir)).sort());
    expect(r.files).to.have.length(6);
    for (const f of r.files) expect(f.startsWith('/')).to.equal(true);

    // next steps: the org setting, the deploy of exactly these files, the permset assignment, the login
    expect(r.nextSteps).to.have.length(4);
    expect(r.nextSteps[0]).to.include('Allow Access to OAuth Consumer Secrets via Metadata API');
    expect(r.nextSteps[1]).to.match(
      /^sf project deploy start (--source-dir force-app\/main\/default\/\S+ ){6}--target-org <admin>$/,
    );
    expect(r.nextSteps[2]).to.equal(
      'sf org assign permset --name CI_Deploy_Users --on-behalf-of <integration user> --target-org <admin>',
    );
    expect(r.nextSteps[3])
      .to.include(`sf jwt-setup login --client-id ${r.consumerKey} `)
      .and.include('--jwt-key-file server.key');
    expect(r.notes.join('\n')).to.include('sandbox');

    expect(stdout).to.include(r.consumerKey);
    expect(stdout).to.include('sf project deploy start');
    expect(stdout).to.include('sf org assign permset --name CI_Deploy_Users');

    const types = ComponentSet.fromSource(outputDir)
      .getSourceComponents()
      .toArray()
      .map((c) => c.type.name)
      .sort();
    expect(types).to.deep.equal(
      [
        'ExternalClientApplication',
        'ExtlClntAppConfigurablePolicies',
        'ExtlClntAppGlobalOauthSettings',
        'ExtlClntAppOauthConfigurablePolicies',
        'ExtlClntAppOauthSettings',
        'PermissionSet',
      ].sort(),
    );
    const [app] = await readAppMetadata(outputDir);
    expect(app).to.include({ consumerKey: r.consumerKey, kind: 'external', preAuthorized: true, name: 'CI_Deploy' });
  });

  it('--json prints the result as JSON', async () => {
    const { stdout, result } = await run(['--name', 'CI_Deploy', '--contact-email', 'devops@acme.example', '--json']);
    const parsed = JSON.parse(stdout) as { status: number; result: AppResult };
    expect(parsed.status).to.equal(0);
    expect(parsed.result).to.deep.equal(JSON.parse(JSON.stringify(result)));
    expect(Object.keys(parsed.result)).to.include.members([
      'type',
      'name',
      'label',
      'consumerKey',
      'files',
      'permissionSet',
      'profiles',
      'scopes',
      'apiVersion',
      'certificateFingerprintSha256',
      'outputDir',
      'nextSteps',
    ]);
  });

  it('--type connected with every option', async () => {
    const { result, error } = await run([
      '--type',
      'connected',
      '--name',
      'Legacy_CI',
      '-c',
      'server.crt',
      '--consumer-key',
      'LegacyKey1234567890',
      '--permission-set',
      'Legacy_PS',
      '--profile',
      'System Administrator',
      '--profile',
      'Integration User',
      '--scopes',
      'api,refresh_token,web',
      '--contact-email',
      'ops@acme.example',
      '--api-version',
      '58',
      '-d',
      'pkg',
    ]);
    expect(error).to.equal(undefined);
    expect(result).to.include({
      type: 'connected',
      consumerKey: 'LegacyKey1234567890',
      consumerKeyGenerated: false,
      apiVersion: '58.0',
    });
    expect(result!.files.map((f) => f.slice(dir.length + 1)).sort()).to.deep.equal([
      'pkg/connectedApps/Legacy_CI.connectedApp-meta.xml',
      'pkg/permissionsets/Legacy_PS.permissionset-meta.xml',
    ]);
    expect(result!.nextSteps[0]).to.match(/^sf project deploy start --source-dir pkg\//);
    expect(await readAppMetadata(join(dir, 'pkg'))).to.deep.equal([
      {
        kind: 'connected',
        name: 'Legacy_CI',
        consumerKey: 'LegacyKey1234567890',
        certificatePem: (await readAppMetadata(join(dir, 'pkg')))[0].certificatePem,
        preAuthorized: true,
        permissionSets: ['Legacy_PS'],
        profiles: ['System Administrator', 'Integration User'],
      },
    ]);
  });

  it('only --profile: no permission set, the next step names the profile', async () => {
    const { result } = await run([
      '--name',
      'CI_Deploy',
      '--contact-email',
      'devops@acme.example',
      '--profile',
      'Integration User',
    ]);
    expect(result!.permissionSet).to.equal(null);
    expect(result!.files).to.have.length(5);
    expect(result!.nextSteps.join('\n')).to.not.include('sf org assign permset');
    expect(result!.nextSteps.join('\n')).to.include('Integration User');
  });

  it('refuses existing files without --force (FilesExist), replaces them with --force', async () => {
    const first = await run([
      '--name',
      'CI_Deploy',
      '--contact-email',
      'devops@acme.example',
      '--consumer-key',
      'FirstKey12345',
    ]);
    expect(first.error).to.equal(undefined);
    const again = await run([
      '--name',
      'CI_Deploy',
      '--contact-email',
      'devops@acme.example',
      '--consumer-key',
      'SecondKey12345',
    ]);
    expect(again.error?.name).to.equal('FilesExistError');
    expect((await readAppMetadata(dir))[0].consumerKey).to.equal('FirstKey12345');
    const forced = await run([
      '--name',
      'CI_Deploy',
      '--contact-email',
      'devops@acme.example',
      '--consumer-key',
      'SecondKey12345',
      '--force',
    ]);
    expect(forced.error).to.equal(undefined);
    expect(forced.result!.permissionSetCreated).to.equal(false);
    expect((await readAppMetadata(dir))[0].consumerKey).to.equal('SecondKey12345');
  });

  const bad: Array<[string, string[], string]> = [
    ['app name', ['--name', 'CI__Deploy'], 'InvalidAppName'],
    ['consumer key', ['--consumer-key', 'bad key'], 'InvalidConsumerKey'],
    ['scope', ['--scopes', 'api superpowers'], 'InvalidScopes'],
    ['email', ['--contact-email', 'nobody'], 'InvalidEmail'],
    ['API version', ['--api-version', '59.0'], 'InvalidApiVersion'],
    ['permission set', ['--permission-set', 'Bad-Name'], 'InvalidPermissionSetName'],
    ['profile', ['--profile', 'A,B'], 'InvalidProfileName'],
    ['existing permission set without name', ['--existing-permission-set'], 'PermissionSetNameRequired'],
    ['certificate missing', ['--certificate-file', 'nope.crt'], 'CertificateFileNotFound'],
    ['certificate malformed', ['--certificate-file', 'server.key'], 'CertificateMalformed'],
  ];
  for (const [what, args, code] of bad) {
    it(`bad ${what}: ${code}, exit 1, nothing written`, async () => {
      const base = [
        ...(args.includes('--name') ? [] : ['--name', 'CI_Deploy']),
        ...(args.includes('--contact-email') ? [] : ['--contact-email', 'devops@acme.example']),
      ];
      const { error } = await run([...base, ...args]);
      expect(error, 'error').to.not.equal(undefined);
      expect(error!.name).to.equal(errorName(code as ErrorCode));
      expect((error as { exitCode?: number }).exitCode).to.equal(1);
      expect((await allFiles(dir)).map((f) => f.slice(dir.length + 1)).sort()).to.deep.equal([
        'server.crt',
        'server.key',
      ]);
    });
  }
});
