import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ComponentSet, type SourceComponent } from '@salesforce/source-deploy-retrieve';
import { isJwtSetupError, type ErrorCode } from '../../../src/errors.js';
import { keygen } from '../../../src/keys/keygen.js';
import { loadCertificate } from '../../../src/keys/certificate.js';
import { planApp, writeAppFiles, type AppOptions } from '../../../src/app/generate.js';
import { readAppMetadata } from '../../../src/app/read-metadata.js';

type Json = Record<string, unknown>;

function componentsOf(dir: string): Map<string, SourceComponent> {
  const set = ComponentSet.fromSource(dir);
  return new Map(
    set
      .getSourceComponents()
      .toArray()
      .map((c) => [`${c.type.name}:${c.fullName}`, c]),
  );
}

/** The component's XML as Salesforce's own source library parses it (root element contents). */
async function fieldsOf(component: SourceComponent | undefined): Promise<Json> {
  expect(component, 'component').to.not.equal(undefined);
  const parsed = (await component!.parseXml()) as Json;
  return parsed[component!.type.name] as Json;
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('app metadata generation', () => {
  let work: string;
  let certFile: string;
  let certPem: string;
  let fingerprint: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'app-gen-'));
    const made = await keygen({
      outputDir: join(work, 'keys'),
      name: 'server',
      keySize: 2048,
      days: 365,
      force: false,
    });
    certFile = made.certificateFile;
    const cert = await loadCertificate(certFile);
    certPem = cert.pem;
    fingerprint = cert.fingerprintSha256;
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  let counter = 0;
  const outDir = (): string => join(work, `out${++counter}`, 'force-app', 'main', 'default');

  async function generate(
    options: Partial<AppOptions> & { outputDir: string },
  ): Promise<Awaited<ReturnType<typeof planApp>>> {
    const plan = await planApp({
      name: 'CI_Deploy',
      contactEmail: 'devops@acme.example',
      certificateFile: certFile,
      ...options,
    });
    await writeAppFiles(plan, { force: options.force ?? false });
    return plan;
  }

  describe('External Client App', () => {
    it('writes the five ECA components and the permission set, recognised by source-deploy-retrieve', async () => {
      const dir = outDir();
      const plan = await generate({ outputDir: dir });
      const components = componentsOf(dir);
      expect([...components.keys()].sort()).to.deep.equal(
        [
          'ExternalClientApplication:CI_Deploy',
          'ExtlClntAppOauthSettings:CI_Deploy_oauth',
          'ExtlClntAppGlobalOauthSettings:CI_Deploy_glbloauth',
          'ExtlClntAppOauthConfigurablePolicies:CI_Deploy_oauthPlcy',
          'ExtlClntAppConfigurablePolicies:CI_Deploy_plcy',
          'PermissionSet:CI_Deploy_Users',
        ].sort(),
      );
      expect(plan.files.map((f) => f.path).sort()).to.deep.equal((await listFiles(dir)).sort());
      expect(plan.certificateFingerprintSha256).to.equal(fingerprint);
    });

    it('fills the fields a JWT login needs, for API 64.0 (no isNamedUserJwtEnabled)', async () => {
      const dir = outDir();
      const plan = await generate({
        outputDir: dir,
        profiles: ['Minimum Access - API Only Integrations'],
        permissionSet: 'JWT_CI',
      });
      const c = componentsOf(dir);

      const app = await fieldsOf(c.get('ExternalClientApplication:CI_Deploy'));
      expect(app).to.include({
        contactEmail: 'devops@acme.example',
        distributionState: 'Local',
        isProtected: 'false',
        label: 'CI Deploy',
      });
      expect(app.description).to.be.a('string');

      const oauth = await fieldsOf(c.get('ExtlClntAppOauthSettings:CI_Deploy_oauth'));
      expect(oauth).to.include({
        commaSeparatedOauthScopes: 'Api, RefreshToken',
        externalClientApplication: 'CI_Deploy',
      });

      const global = await fieldsOf(c.get('ExtlClntAppGlobalOauthSettings:CI_Deploy_glbloauth'));
      expect(global).to.include({
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        consumerKey: plan.spec.consumerKey,
        externalClientApplication: 'CI_Deploy',
        isConsumerSecretOptional: 'true',
      });
      expect(`${String(global.certificate).trim()}\n`).to.equal(certPem);

      const policy = await fieldsOf(c.get('ExtlClntAppOauthConfigurablePolicies:CI_Deploy_oauthPlcy'));
      expect(policy).to.include({
        commaSeparatedPermissionSet: 'JWT_CI',
        commaSeparatedProfile: 'Minimum Access - API Only Integrations',
        externalClientApplication: 'CI_Deploy',
        ipRelaxationPolicyType: 'Enforce',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        refreshTokenPolicyType: 'Infinite',
      });
      expect(policy).to.not.have.property('isNamedUserJwtEnabled');

      const plugins = await fieldsOf(c.get('ExtlClntAppConfigurablePolicies:CI_Deploy_plcy'));
      expect(plugins).to.include({
        externalClientApplication: 'CI_Deploy',
        isEnabled: 'true',
        isOauthPluginEnabled: 'true',
      });

      const permset = await fieldsOf(c.get('PermissionSet:JWT_CI'));
      expect(permset).to.include({ hasActivationRequired: 'false', label: 'CI Deploy Users' });

      for (const f of plan.files) {
        // eslint-disable-next-line no-await-in-loop
        const text = await readFile(f.path, 'utf8');
        expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), f.relativePath).to.equal(true);
        expect(text).to.not.include('isNamedUserJwtEnabled');
      }
    });

    it('never writes isNamedUserJwtEnabled, at any accepted version, and leaves commaSeparatedProfile out without profiles', async () => {
      for (const version of ['60.0', '61.0', '63.0', '66.0', '67.0']) {
        const dir = outDir();
        // eslint-disable-next-line no-await-in-loop
        const plan = await generate({ outputDir: dir, apiVersion: version });
        expect(plan.spec.apiVersion).to.equal(version);
        for (const f of plan.files)
          expect(f.content, `${version} ${f.relativePath}`).to.not.include('isNamedUserJwtEnabled');
        const policy = plan.files.find((f) => f.type === 'ExtlClntAppOauthConfigurablePolicies')!;
        expect(policy.content).to.not.include('commaSeparatedProfile');
      }
    });

    it('escapes XML in free text (contact email stays plain, description with markup)', async () => {
      const dir = outDir();
      const plan = await generate({ outputDir: dir, description: 'R&D <CI> "deploys"' });
      const app = plan.files.find((f) => f.type === 'ExternalClientApplication')!;
      expect(app.content).to.include('<description>R&amp;D &lt;CI&gt; &quot;deploys&quot;</description>');
      expect(await fieldsOf(componentsOf(dir).get('ExternalClientApplication:CI_Deploy'))).to.include({
        description: 'R&D <CI> "deploys"',
      });
    });

    it('maps scopes into commaSeparatedOauthScopes', async () => {
      const plan = await planApp({
        name: 'Scoped',
        contactEmail: 'a@b.example',
        certificateFile: certFile,
        outputDir: outDir(),
        scopes: 'api,refresh_token web openid',
      });
      const oauth = plan.files.find((f) => f.type === 'ExtlClntAppOauthSettings')!;
      expect(oauth.content).to.include(
        '<commaSeparatedOauthScopes>Api, RefreshToken, Web, OpenID</commaSeparatedOauthScopes>',
      );
    });
  });

  describe('Connected App', () => {
    it('writes a ConnectedApp and the permission set, recognised by source-deploy-retrieve, with the JWT fields', async () => {
      const dir = outDir();
      const plan = await generate({
        outputDir: dir,
        kind: 'connected',
        consumerKey: 'CIdeployKey12345',
        permissionSet: 'CI_Deploy_Users',
        profiles: ['System Administrator'],
        scopes: 'api refresh_token web',
      });
      const c = componentsOf(dir);
      expect([...c.keys()].sort()).to.deep.equal(['ConnectedApp:CI_Deploy', 'PermissionSet:CI_Deploy_Users']);
      const app = await fieldsOf(c.get('ConnectedApp:CI_Deploy'));
      expect(app).to.include({
        contactEmail: 'devops@acme.example',
        label: 'CI Deploy',
        permissionSetName: 'CI_Deploy_Users',
        profileName: 'System Administrator',
      });
      const oauth = app.oauthConfig as Json;
      expect(oauth).to.include({
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        consumerKey: 'CIdeployKey12345',
        isAdminApproved: 'true',
      });
      expect(oauth.scopes).to.deep.equal(['Api', 'RefreshToken', 'Web']);
      expect(`${String(oauth.certificate).trim()}\n`).to.equal(certPem);
      expect(app.oauthPolicy).to.deep.equal({ ipRelaxation: 'ENFORCE', refreshTokenPolicy: 'infinite' });
      expect(plan.spec.consumerKey).to.equal('CIdeployKey12345');
    });

    it('accepts API versions below 60 for Connected Apps', async () => {
      const plan = await planApp({
        kind: 'connected',
        name: 'Old',
        contactEmail: 'a@b.example',
        certificateFile: certFile,
        outputDir: outDir(),
        apiVersion: '55.0',
      });
      expect(plan.spec.apiVersion).to.equal('55.0');
    });
  });

  describe('permission set: create, reference, or none', () => {
    it('references an existing permission set file without rewriting it', async () => {
      const dir = outDir();
      const psPath = join(dir, 'permissionsets', 'Existing_PS.permissionset-meta.xml');
      await mkdir(join(dir, 'permissionsets'), { recursive: true });
      const original =
        '<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata"><label>Mine</label></PermissionSet>\n';
      await writeFile(psPath, original);
      const plan = await generate({ outputDir: dir, permissionSet: 'Existing_PS' });
      expect(plan.permissionSetMode).to.equal('referenced');
      expect(plan.files.map((f) => f.type)).to.not.include('PermissionSet');
      expect(await readFile(psPath, 'utf8')).to.equal(original);
      expect(plan.files.find((f) => f.type === 'ExtlClntAppOauthConfigurablePolicies')!.content).to.include(
        '<commaSeparatedPermissionSet>Existing_PS</commaSeparatedPermissionSet>',
      );
    });

    it('references with existingPermissionSet even when no local file exists', async () => {
      const dir = outDir();
      const plan = await generate({ outputDir: dir, permissionSet: 'Org_PS', existingPermissionSet: true });
      expect(plan.permissionSetMode).to.equal('referenced');
      expect((await listFiles(dir)).some((f) => f.includes('permissionsets'))).to.equal(false);
    });

    it('with only profiles, admits the profiles and writes no permission set', async () => {
      const dir = outDir();
      const plan = await generate({ outputDir: dir, profiles: ['Integration User', 'Integration User'] });
      expect(plan.permissionSetMode).to.equal('none');
      expect(plan.spec.permissionSet).to.equal(undefined);
      expect(plan.spec.profiles).to.deep.equal(['Integration User']);
      const policy = plan.files.find((f) => f.type === 'ExtlClntAppOauthConfigurablePolicies')!.content;
      expect(policy).to.include('<commaSeparatedProfile>Integration User</commaSeparatedProfile>');
      expect(policy).to.not.include('commaSeparatedPermissionSet');
    });
  });

  describe('readAppMetadata round trip', () => {
    it('reads back an External Client App', async () => {
      const dir = outDir();
      const plan = await generate({ outputDir: dir, permissionSet: 'JWT_CI', profiles: ['Integration User'] });
      const apps = await readAppMetadata(dir);
      expect(apps).to.deep.equal([
        {
          kind: 'external',
          name: 'CI_Deploy',
          consumerKey: plan.spec.consumerKey,
          certificatePem: certPem,
          preAuthorized: true,
          permissionSets: ['JWT_CI'],
          profiles: ['Integration User'],
        },
      ]);
    });

    it('reads back a Connected App, from a project root above the package folder', async () => {
      const dir = outDir();
      const plan = await generate({
        outputDir: dir,
        kind: 'connected',
        profiles: ['System Administrator', 'Custom: API'],
        permissionSet: 'CA_PS',
      });
      const apps = await readAppMetadata(join(dir, '..', '..', '..'));
      expect(apps).to.deep.equal([
        {
          kind: 'connected',
          name: 'CI_Deploy',
          consumerKey: plan.spec.consumerKey,
          certificatePem: certPem,
          preAuthorized: true,
          permissionSets: ['CA_PS'],
          profiles: ['System Administrator', 'Custom: API'],
        },
      ]);
    });

    it('reads several apps of both kinds, and nothing from an empty or missing folder', async () => {
      const dir = outDir();
      await generate({ outputDir: dir, name: 'One' });
      await generate({ outputDir: dir, name: 'Two', kind: 'connected' });
      const apps = await readAppMetadata(dir);
      expect(apps.map((a) => `${a.kind}:${a.name}`)).to.deep.equal(['external:One', 'connected:Two']);
      expect(new Set(apps.map((a) => a.consumerKey)).size).to.equal(2);
      expect(await readAppMetadata(join(work, 'missing'))).to.deep.equal([]);
    });

    it('reports a self-authorized ECA as not pre-authorized, and a malformed file with AppMetadataMalformed', async () => {
      const dir = outDir();
      const plan = await generate({ outputDir: dir });
      const policy = plan.files.find((f) => f.type === 'ExtlClntAppOauthConfigurablePolicies')!;
      await writeFile(policy.path, policy.content.replace('AdminApprovedPreAuthorized', 'AllSelfAuthorized'));
      expect((await readAppMetadata(dir))[0].preAuthorized).to.equal(false);
      await writeFile(
        policy.path,
        '<ExtlClntAppOauthConfigurablePolicies><label>x</ExtlClntAppOauthConfigurablePolicies>',
      );
      try {
        await readAppMetadata(dir);
        expect.fail('should have thrown');
      } catch (error) {
        expect(isJwtSetupError(error, 'AppMetadataMalformed'), String(error)).to.equal(true);
      }
    });
  });

  describe('bad input: coded error, nothing written', () => {
    const cases: Array<[string, Partial<AppOptions>, ErrorCode]> = [
      ['bad app name', { name: 'CI__Deploy' }, 'InvalidAppName'],
      ['app name too long', { name: 'A'.repeat(41) }, 'InvalidAppName'],
      ['bad consumer key', { consumerKey: 'not-valid!' }, 'InvalidConsumerKey'],
      ['short consumer key', { consumerKey: 'abc' }, 'InvalidConsumerKey'],
      ['unknown scope', { scopes: 'api bogus' }, 'InvalidScopes'],
      ['bad email', { contactEmail: 'not-an-email' }, 'InvalidEmail'],
      ['ECA below API 60', { apiVersion: '59.0' }, 'InvalidApiVersion'],
      ['API version above the range', { apiVersion: '99.0' }, 'InvalidApiVersion'],
      ['bad permission set name', { permissionSet: '1PS' }, 'InvalidPermissionSetName'],
      ['bad profile', { profiles: ['A,B'] }, 'InvalidProfileName'],
      ['existing permission set without a name', { existingPermissionSet: true }, 'PermissionSetNameRequired'],
      ['missing certificate', { certificateFile: '/nonexistent/server.crt' }, 'CertificateFileNotFound'],
    ];
    for (const [what, options, code] of cases) {
      it(`${what}: ${code}`, async () => {
        const dir = outDir();
        try {
          await planApp({
            name: 'CI_Deploy',
            contactEmail: 'devops@acme.example',
            certificateFile: certFile,
            outputDir: dir,
            ...options,
          });
          expect.fail('should have thrown');
        } catch (error) {
          expect(isJwtSetupError(error, code), String(error)).to.equal(true);
        }
        expect(await listFiles(join(dir, '..', '..', '..'))).to.deep.equal([]);
      });
    }

    it('a file that is not a certificate: CertificateMalformed', async () => {
      const bad = join(work, 'bad.crt');
      await writeFile(bad, 'hello, not a certificate\n');
      const keyAsCert = join(work, 'keys', 'server.key');
      for (const file of [bad, keyAsCert]) {
        const dir = outDir();
        try {
          // eslint-disable-next-line no-await-in-loop
          await planApp({
            name: 'CI_Deploy',
            contactEmail: 'devops@acme.example',
            certificateFile: file,
            outputDir: dir,
          });
          expect.fail('should have thrown');
        } catch (error) {
          expect(isJwtSetupError(error, 'CertificateMalformed'), String(error)).to.equal(true);
        }
        // eslint-disable-next-line no-await-in-loop
        expect(await listFiles(join(dir, '..', '..', '..'))).to.deep.equal([]);
      }
    });

    it('existing files without force: FilesExist, and the existing files are untouched', async () => {
      const dir = outDir();
      const first = await generate({ outputDir: dir });
      const before = await Promise.all(first.files.map((f) => readFile(f.path, 'utf8')));
      try {
        await generate({ outputDir: dir });
        expect.fail('should have thrown');
      } catch (error) {
        expect(isJwtSetupError(error, 'FilesExist'), String(error)).to.equal(true);
      }
      expect(await Promise.all(first.files.map((f) => readFile(f.path, 'utf8')))).to.deep.equal(before);
      expect((await listFiles(dir)).length).to.equal(first.files.length);

      // With force, the app files are replaced; the permission set written by the first run is now an existing one,
      // referenced and not rewritten (it may have been edited since).
      const second = await generate({ outputDir: dir, force: true, consumerKey: 'ReplacedKey123' });
      expect(second.permissionSetMode).to.equal('referenced');
      expect(second.replaces.length).to.equal(first.files.length - 1);
      expect(await readFile(first.files.find((f) => f.type === 'PermissionSet')!.path, 'utf8')).to.equal(
        before[first.files.findIndex((f) => f.type === 'PermissionSet')],
      );
      expect((await readAppMetadata(dir))[0].consumerKey).to.equal('ReplacedKey123');
    });
  });
});
