/*
 * src/push against the secret-store emulators: target parsing, the naming rules, the pre-flight's refusals (before
 * any write), GitHub sealed secrets (created, updated, confirmed, the plaintext as the emulator opened it), GitLab
 * variables (protected, raw, masked where the value qualifies, the key as base64, the right scope), a push that fails
 * midway and its undo.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { checkPush, pushSecrets, secretPushFailed } from '../../../src/push/push.js';
import { gitlabMaskable, handOverNames, handOverSecrets, keySecret, nameProblem } from '../../../src/push/names.js';
import { parseTarget, parseTargets } from '../../../src/push/targets.js';
import { GitHubSecretsEmulator, GitLabVariablesEmulator } from '../../emulator/secrets/index.js';
import { expectCoded, rejection, thrown } from '../../helpers/index.js';

const pem = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('push', function () {
  this.timeout(30_000);
  let gh: GitHubSecretsEmulator;
  let gl: GitLabVariablesEmulator;
  let env: NodeJS.ProcessEnv;
  const KEY = pem();
  const OLD_KEY = pem();
  const handOver = {
    clientId: '3MVG9PushTestConsumerKey0001',
    username: 'ci@acme.example',
    instanceUrl: 'https://acme.my.salesforce.com',
    keyPem: KEY,
  };
  const writes = (): number =>
    gh.requestLog.filter((e) => e.method !== 'GET').length + gl.requestLog.filter((e) => e.method !== 'GET').length;

  before(async () => {
    gh = new GitHubSecretsEmulator({
      repos: [
        { owner: 'acme', repo: 'app', environments: ['production'] },
        { owner: 'acme', repo: 'private' },
      ],
      tokens: [
        { token: 'gh-write', repos: ['acme/app'] },
        { token: 'gh-read', repos: ['acme/app'], secrets: 'read' },
        { token: 'gh-none', repos: ['acme/app'], secrets: 'none' },
      ],
    });
    gl = new GitLabVariablesEmulator({
      projects: [{ path: 'acme/app' }, { path: 'acme/sub/app' }],
      tokens: [
        { token: 'gl-maint', projects: { 'acme/app': 'maintainer', 'acme/sub/app': 'maintainer' } },
        { token: 'gl-dev', projects: { 'acme/app': 'developer' } },
      ],
    });
    await Promise.all([gh.start(), gl.start()]);
    env = { GH_TOKEN: 'gh-write', GITHUB_API_URL: gh.url, GITLAB_TOKEN: 'gl-maint', CI_API_V4_URL: gl.apiUrl };
  });

  after(async () => {
    await Promise.all([gh.stop(), gl.stop()]);
  });

  afterEach(() => {
    gh.failWrites(undefined);
    gl.failWrites(undefined);
  });

  describe('targets and names', () => {
    it('parses the four forms', () => {
      expect(parseTarget('github:acme/app')).to.deep.equal({
        platform: 'github',
        spec: 'github:acme/app',
        owner: 'acme',
        repo: 'app',
      });
      expect(parseTarget('github:acme/app@production')).to.include({ environment: 'production' });
      expect(parseTarget('gitlab:acme/sub/app')).to.include({ project: 'acme/sub/app', scope: '*' });
      expect(parseTarget('gitlab:acme/app@review/*')).to.include({ project: 'acme/app', scope: 'review/*' });
      expect(parseTargets(['github:acme/app', 'github:ACME/app', 'gitlab:1234'])).to.have.length(2);
    });

    for (const bad of [
      'acme/app',
      'bitbucket:acme/app',
      'github:acme',
      'github:acme/app/x',
      'github:acme/app@',
      'gitlab:app',
      'gitlab:a/b@x y',
    ]) {
      it(`refuses ${bad}: InvalidPushTarget`, () => {
        const error = thrown(() => parseTarget(bad));
        expectCoded(error, 'InvalidPushTarget');
        expect(error.message).to.include(bad);
      });
    }

    it('names: prefix and suffix; the platforms’ rules; what GitLab can mask', () => {
      expect(handOverNames({ suffix: '_UAT' })).to.include('SF_JWT_KEY_UAT');
      expect(handOverSecrets(handOver, { prefix: 'UAT_' }).map((s) => s.name)).to.deep.equal([
        'UAT_SF_JWT_CLIENT_ID',
        'UAT_SF_JWT_USERNAME',
        'UAT_SF_JWT_INSTANCE_URL',
        'UAT_SF_JWT_KEY',
      ]);
      expect(nameProblem('SF_JWT_KEY-UAT', 'github')).to.be.a('string');
      expect(nameProblem('1SF', 'github')).to.be.a('string');
      expect(nameProblem('1SF', 'gitlab')).to.equal(undefined);
      expect(nameProblem('GITHUB_SF_JWT_KEY', 'github')).to.match(/GITHUB_/);
      expect(nameProblem('GITHUB_SF_JWT_KEY', 'gitlab')).to.equal(undefined);
      expect(gitlabMaskable(KEY)).to.equal(false);
      expect(gitlabMaskable(Buffer.from(KEY).toString('base64'))).to.equal(true);
      expect(gitlabMaskable('https://acme.my.salesforce.com')).to.equal(true);
      expect(gitlabMaskable('short')).to.equal(false);
    });
  });

  describe('pre-flight: refused before any write', () => {
    const cases: Array<[string, string[], NodeJS.ProcessEnv, string, RegExp]> = [
      ['no GitHub token', ['github:acme/app'], { GITHUB_API_URL: 'x' }, 'PushTokenMissing', /GH_TOKEN or GITHUB_TOKEN/],
      ['no GitLab token', ['gitlab:acme/app'], {}, 'PushTokenMissing', /GITLAB_TOKEN/],
      ['an unknown repository', ['github:acme/nothing'], {}, 'PushTargetNotFound', /404.*cannot see/],
      ['a private repository the token cannot see', ['github:acme/private'], {}, 'PushTargetNotFound', /404/],
      ['an unknown environment', ['github:acme/app@staging'], {}, 'PushTargetNotFound', /no environment staging/],
      ['a bad token', ['github:acme/app'], { GH_TOKEN: 'nope' }, 'PushForbidden', /HTTP 401.*Bad credentials/],
      [
        'a token without Secrets',
        ['github:acme/app'],
        { GH_TOKEN: 'gh-none' },
        'PushForbidden',
        /HTTP 403.*secrets=read/,
      ],
      ['an unknown project', ['gitlab:acme/none'], {}, 'PushTargetNotFound', /404/],
      ['a Developer on GitLab', ['gitlab:acme/app'], { GITLAB_TOKEN: 'gl-dev' }, 'PushForbidden', /HTTP 403/],
      [
        'an API over plain http',
        ['github:acme/app'],
        { GITHUB_API_URL: 'http://github.acme.example' },
        'PushApiFailed',
        /http/,
      ],
      [
        'an API that does not answer',
        ['gitlab:acme/app'],
        { CI_API_V4_URL: 'http://127.0.0.1:9/api/v4' },
        'PushApiFailed',
        /127\.0\.0\.1:9/,
      ],
    ];
    for (const [what, targets, extra, code, message] of cases) {
      it(`${what}: ${code}`, async () => {
        const before = writes();
        const merged: NodeJS.ProcessEnv = { ...env, ...extra };
        for (const [k, v] of Object.entries(extra)) if (v === undefined) delete merged[k];
        if (code === 'PushTokenMissing') delete merged[targets[0].startsWith('github') ? 'GH_TOKEN' : 'GITLAB_TOKEN'];
        const error = await rejection(checkPush({ targets, names: handOverNames(), env: merged }));
        expectCoded(error, code);
        expect(error.message).to.match(message);
        expect(error.message).not.to.match(/gh-write|gl-maint|gh-none|gl-dev/);
        expect(writes()).to.equal(before);
      });
    }

    it('a name GitHub refuses: InvalidSecretName, before any request', async () => {
      const requests = gh.requestLog.length;
      const error = await rejection(
        checkPush({ targets: ['github:acme/app'], names: handOverNames({ suffix: '-uat' }), env }),
      );
      expectCoded(error, 'InvalidSecretName');
      expect(error.message).to.include('SF_JWT_CLIENT_ID-uat');
      expect(gh.requestLog.length).to.equal(requests);
    });

    it('a read-only token passes the pre-flight; its write fails and is reported, not thrown', async () => {
      const check = await checkPush({
        targets: ['github:acme/app'],
        names: ['SF_JWT_KEY'],
        env: { ...env, GH_TOKEN: 'gh-read' },
      });
      const { report } = await pushSecrets(check, [{ secrets: [keySecret(KEY)] }]);
      expect(report.failure).to.include({ target: 'github:acme/app', name: 'SF_JWT_KEY' });
      expect(report.failure?.reason).to.match(/HTTP 403/);
      expect(report.targets[0]).to.deep.include({ written: [], notWritten: ['SF_JWT_KEY'] });
    });
  });

  it('GitHub: every hand-over secret sealed, written, confirmed; a second push updates; environments too', async () => {
    const check = await checkPush({
      targets: ['github:acme/app', 'github:acme/app@production'],
      names: handOverNames(),
      env,
    });
    const events: string[] = [];
    const first = await pushSecrets(check, [{ org: 'prod', secrets: handOverSecrets(handOver) }], {
      onEvent: (e) => events.push(`${e.target} ${e.name} ${e.result}`),
    });
    expect(first.report.failure).to.equal(undefined);
    expect(
      first.report.targets.map((t) => [t.target, t.kind, t.written.map((w) => `${w.name}:${w.result}`), t.notWritten]),
    ).to.deep.equal([
      [
        'github:acme/app',
        'repository secrets',
        ['SF_JWT_CLIENT_ID:created', 'SF_JWT_USERNAME:created', 'SF_JWT_INSTANCE_URL:created', 'SF_JWT_KEY:created'],
        [],
      ],
      [
        'github:acme/app@production',
        'environment secrets of production',
        ['SF_JWT_CLIENT_ID:created', 'SF_JWT_USERNAME:created', 'SF_JWT_INSTANCE_URL:created', 'SF_JWT_KEY:created'],
        [],
      ],
    ]);
    expect(first.report.targets[0].written[0].updatedAt).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(events).to.have.length(8);
    expect(gh.secrets('acme/app')).to.deep.equal({
      SF_JWT_CLIENT_ID: handOver.clientId,
      SF_JWT_USERNAME: handOver.username,
      SF_JWT_INSTANCE_URL: handOver.instanceUrl,
      SF_JWT_KEY: KEY,
    });
    expect(gh.secret('acme/app', 'SF_JWT_KEY', 'production')?.value).to.equal(KEY);
    // Only sealed boxes travelled: no value in any request body.
    expect(gh.sealedValues.join('\n')).not.to.include('BEGIN PRIVATE KEY');
    expect(JSON.stringify(first.report)).not.to.match(/PRIVATE KEY|acme\.my\.salesforce/);

    const second = await pushSecrets(check, [{ secrets: [keySecret(OLD_KEY)] }]);
    expect(second.report.targets.map((t) => t.written.map((w) => w.result))).to.deep.equal([['updated'], ['updated']]);
    expect(gh.secret('acme/app', 'SF_JWT_KEY')?.value).to.equal(OLD_KEY);
  });

  it('GitLab: protected, raw, masked where it qualifies; the key as base64 of the PEM; the scope’s variable only', async () => {
    gl.seedVariable('acme/sub/app', {
      key: 'SF_JWT_USERNAME',
      value: 'other@acme.example',
      environment_scope: 'staging',
    });
    const check = await checkPush({ targets: ['gitlab:acme/sub/app@production'], names: handOverNames(), env });
    const first = await pushSecrets(check, [
      { secrets: handOverSecrets({ ...handOver, audience: 'https://test.salesforce.com' }) },
    ]);
    expect(first.report.failure).to.equal(undefined);
    const variables = gl.variables('acme/sub/app').filter((v) => v.environment_scope === 'production');
    expect(variables.map((v) => [v.key, v.protected, v.raw, v.masked])).to.deep.equal([
      ['SF_JWT_CLIENT_ID', true, true, true],
      ['SF_JWT_USERNAME', true, true, true],
      ['SF_JWT_INSTANCE_URL', true, true, true],
      ['SF_AUDIENCE_URL', true, true, true],
      ['SF_JWT_KEY', true, true, true],
    ]);
    expect(
      Buffer.from(gl.variable('acme/sub/app', 'SF_JWT_KEY', 'production')?.value ?? '', 'base64').toString(),
    ).to.equal(KEY);
    expect(gl.variable('acme/sub/app', 'SF_JWT_USERNAME', 'staging')?.value).to.equal('other@acme.example');
    expect(first.report.targets[0].unmasked).to.deep.equal([]);

    // Updated in place (no 409 although the key exists in another scope); --no-protected; an unmaskable value reported.
    const unprotected = await checkPush({
      targets: ['gitlab:acme/sub/app@production'],
      names: ['SF_JWT_USERNAME'],
      env,
      protected: false,
    });
    const second = await pushSecrets(unprotected, [{ secrets: [{ name: 'SF_JWT_USERNAME', value: 'a b' }] }]);
    expect(second.report.targets[0].written).to.deep.equal([
      { name: 'SF_JWT_USERNAME', result: 'updated', masked: false, protected: false },
    ]);
    expect(second.report.targets[0].unmasked).to.deep.equal(['SF_JWT_USERNAME']);
    expect(gl.variable('acme/sub/app', 'SF_JWT_USERNAME', 'production')).to.include({
      value: 'a b',
      masked: false,
      protected: false,
    });
  });

  it('a push failing midway: reported per target; the undo restores the old key where known, deletes what it created', async () => {
    // GitLab's previous value differs from the key the caller knows (another encoding): the undo puts back GitLab's.
    const previous = Buffer.from(OLD_KEY.replace(/\n/g, '\r\n')).toString('base64');
    gl.seedVariable('acme/app', {
      key: 'SF_JWT_KEY_UAT',
      value: previous,
      masked: true,
      protected: true,
    });
    const check = await checkPush({
      targets: ['github:acme/app', 'gitlab:acme/app', 'github:acme/app@production'],
      names: ['SF_JWT_KEY_UAT', 'SF_NEW_UAT'],
      env,
    });
    // The GitHub repository already holds the old key (updated by the push); SF_NEW_UAT is new everywhere.
    await pushSecrets(await checkPush({ targets: ['github:acme/app'], names: ['SF_JWT_KEY_UAT'], env }), [
      { secrets: [keySecret(OLD_KEY, { suffix: '_UAT' })] },
    ]);
    gh.failWrites({ after: 0, status: 500, pathIncludes: '/environments/' });
    const secrets = [keySecret(KEY, { suffix: '_UAT' }), { name: 'SF_NEW_UAT', value: 'a-new-value' }];
    const outcome = await pushSecrets(check, [{ org: 'uat', secrets }]);
    const report = outcome.report;
    expect(report.failure).to.include({ target: 'github:acme/app@production', name: 'SF_JWT_KEY_UAT' });
    expect(report.failure?.reason).to.match(/HTTP 500/);
    expect(report.targets.map((t) => [t.written.map((w) => `${w.name}:${w.result}`), t.notWritten])).to.deep.equal([
      [['SF_JWT_KEY_UAT:updated', 'SF_NEW_UAT:created'], []],
      [['SF_JWT_KEY_UAT:updated', 'SF_NEW_UAT:created'], []],
      [[], ['SF_JWT_KEY_UAT', 'SF_NEW_UAT']],
    ]);
    expect(gh.secret('acme/app', 'SF_JWT_KEY_UAT')?.value).to.equal(KEY);

    const error = secretPushFailed(report, ' after', 'fix');
    expectCoded(error, 'SecretPushFailed');
    expect(error.message).to.include('github:acme/app@production').and.include('SF_JWT_KEY_UAT (updated)');
    expect(error.message).not.to.match(/PRIVATE KEY|a-new-value/);

    gh.failWrites(undefined);
    const undone = await outcome.undo([keySecret(OLD_KEY, { suffix: '_UAT' })]);
    expect(undone.notUndone).to.deep.equal([]);
    expect(undone.undone.map((u) => `${u.target} ${u.name} ${u.action}`).sort()).to.deep.equal([
      'github:acme/app SF_JWT_KEY_UAT restored',
      'github:acme/app SF_NEW_UAT deleted',
      'gitlab:acme/app SF_JWT_KEY_UAT restored',
      'gitlab:acme/app SF_NEW_UAT deleted',
    ]);
    expect(gh.secret('acme/app', 'SF_JWT_KEY_UAT')?.value).to.equal(OLD_KEY);
    expect(gh.secret('acme/app', 'SF_NEW_UAT')).to.equal(undefined);
    // GitLab: exactly what was there, read before the write.
    expect(gl.variable('acme/app', 'SF_JWT_KEY_UAT')).to.include({
      value: previous,
      masked: true,
      protected: true,
    });
    expect(gl.variable('acme/app', 'SF_NEW_UAT')).to.equal(undefined);

    // Without the old value, a GitHub secret that was updated is named, not guessed.
    const again = await pushSecrets(await checkPush({ targets: ['github:acme/app'], names: ['SF_JWT_KEY_UAT'], env }), [
      { secrets: [keySecret(KEY, { suffix: '_UAT' })] },
    ]);
    const blind = await again.undo();
    expect(blind.notUndone.map((n) => `${n.target} ${n.name}`)).to.deep.equal(['github:acme/app SF_JWT_KEY_UAT']);
  });
});
