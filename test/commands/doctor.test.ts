import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { Ajv } from 'ajv';
import Doctor from '../../src/commands/jwt-setup/doctor.js';
import Login, { type LoginResult } from '../../src/commands/jwt-setup/login.js';
import type { Check, CheckId } from '../../src/report/check.js';
import type { DoctorReport } from '../../src/doctor/runner.js';
import { renderGithubAnnotations, renderMarkdown, renderText } from '../../src/cli/render/report.js';
import { createSelfSignedCertificate } from '../../src/keys/certificate.js';
import { privateKeyPem } from '../../src/keys/private-key.js';
import { parseSubject } from '../../src/keys/subject.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import { CONSUMER_KEY, isolatedHome, runCommand, type Home, type Ran } from '../helpers/index.js';

const USER = 'ci@acme.example';
const DAY = 86_400_000;

/** The schema of `doctor --json`'s result: the committed one when there is one, else this mirror of DoctorReport. */
const SCHEMA_FILE = new URL('../../schemas/jwt__setup-doctor.json', import.meta.url);
const INLINE_SCHEMA = {
  type: 'object',
  required: ['ok', 'checks'],
  properties: {
    ok: { type: 'boolean' },
    checks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'status', 'title', 'detail'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z][a-z.-]*$' },
          status: { enum: ['pass', 'warn', 'fail', 'skip'] },
          title: { type: 'string', minLength: 1 },
          detail: { type: 'string' },
          fix: { type: 'string' },
        },
      },
    },
    assertion: {
      type: 'object',
      required: ['header', 'claims'],
      properties: {
        header: { type: 'object', required: ['alg'], properties: { alg: { const: 'RS256' } } },
        claims: {
          type: 'object',
          required: ['iss', 'sub', 'aud', 'exp'],
          properties: {
            iss: { type: 'string' },
            sub: { type: 'string' },
            aud: { type: 'string' },
            exp: { type: 'integer' },
          },
        },
      },
    },
    exchange: {
      type: 'object',
      required: ['loginUrl', 'attempts'],
      properties: {
        loginUrl: { type: 'string' },
        audience: { type: 'string' },
        orgId: { type: 'string' },
        instanceUrl: { type: 'string' },
        scope: { type: 'string' },
        attempts: {
          type: 'array',
          items: {
            type: 'object',
            required: ['loginUrl', 'audience', 'outcome'],
            properties: { outcome: { type: 'string' } },
          },
        },
        error: { type: 'object', required: ['name', 'message'] },
      },
    },
  },
};

async function loadSchema(): Promise<object> {
  return existsSync(SCHEMA_FILE) ? (JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as object) : INLINE_SCHEMA;
}

function check(report: DoctorReport, id: string): Check {
  const found = report.checks.filter((c) => c.id === id);
  expect(found, `${id} in ${JSON.stringify(report.checks.map((c) => `${c.id}:${c.status}`))}`).to.have.length(1);
  return found[0];
}

describe('sf jwt-setup doctor', function () {
  this.timeout(30_000);
  let creds: TestCredentials;
  let other: TestCredentials;
  let emu: SalesforceEmulator;
  let home: Home;
  let keyDir: string;
  let keyFile: string;
  let certFile: string;
  let validate: (data: unknown) => boolean;
  let validationErrors: () => string;

  before(async () => {
    creds = await makeCredentials();
    other = await makeCredentials('other');
    emu = await startEmulator({
      apps: [{ consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['JWT'] }],
      users: [
        { username: USER, permissionSets: ['JWT'] },
        { username: 'notadmitted@acme.example', permissionSets: [] },
      ],
    });
    const ajv = new Ajv({ allErrors: true, strict: false });
    const compiled = ajv.compile(await loadSchema());
    validate = (data): boolean => compiled(data);
    validationErrors = (): string => ajv.errorsText(compiled.errors);
  });

  after(async () => {
    await emu.stop();
  });

  beforeEach(async () => {
    home = await isolatedHome();
    // Not in a temporary folder (doctor warns about those): /dev/shm when there is one.
    keyDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/sfjwt-doctor-') : await mkdtemp(join(home.home, 'keys-'));
    keyFile = join(keyDir, 'server.key');
    certFile = join(keyDir, 'server.crt');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    await writeFile(certFile, creds.certificatePem);
  });

  afterEach(async () => {
    await rm(keyDir, { recursive: true, force: true });
    await home.restore();
  });

  const base = (extra: string[] = [], username = USER): string[] => [
    '--client-id',
    CONSUMER_KEY,
    '--username',
    username,
    '--instance-url',
    emu.url,
    ...extra,
    '--json',
  ];

  /** Run doctor; the --json result validates against the schema and equals the returned report. */
  async function doctor(args: string[]): Promise<{ report: DoctorReport; ran: Ran<DoctorReport> }> {
    const ran = await runCommand<DoctorReport>(Doctor, args);
    expect(ran.error, ran.error?.message).to.equal(undefined);
    const report = ran.result!;
    expect(validate(report), validationErrors()).to.equal(true);
    if (args.includes('--json')) {
      const json = JSON.parse(ran.stdout) as { status: number; result: DoctorReport };
      expect(json.result).to.deep.equal(JSON.parse(JSON.stringify(report)));
      expect(json.status).to.equal(report.ok ? 0 : 1);
    }
    expect(ran.exitCode ?? 0).to.equal(report.ok ? 0 : 1);
    expect(ran.stdout).to.not.include(creds.privateKeyPem.split('\n')[1]);
    expect(ran.stdout).to.not.match(/!AQ/);
    return { report, ran };
  }

  it('a healthy setup: ok, exit code 0, every check present and passing', async () => {
    const { report, ran } = await doctor(base(['--jwt-key-file', keyFile, '--certificate-file', certFile]));
    expect(ran.exitCode ?? 0).to.equal(0);
    expect(report.ok).to.equal(true);
    const ids = [
      'endpoint.url',
      'key.source',
      'key.decode',
      'key.size',
      'key.permissions',
      'key.location',
      'certificate.decode',
      'certificate.match',
      'certificate.signature',
      'certificate.validity',
      'claims.iss',
      'claims.sub',
      'claims.aud',
      'claims.exp',
      'endpoint.reachable',
      'endpoint.clock',
      'exchange',
      'api',
    ];
    expect(report.checks.map((c) => c.id)).to.have.members(ids);
    const notPassing = report.checks.filter((c) => c.status !== 'pass');
    if (existsSync('/dev/shm')) expect(notPassing, JSON.stringify(notPassing)).to.deep.equal([]);
    expect(report.assertion?.header).to.deep.equal({ alg: 'RS256' });
    expect(report.assertion?.claims).to.include({ iss: CONSUMER_KEY, sub: USER, aud: emu.url });
    expect(report.exchange).to.include({ loginUrl: emu.url, audience: emu.url, instanceUrl: emu.url });
    expect(report.exchange?.attempts).to.deep.equal([{ loginUrl: `${emu.url}/`, audience: emu.url, outcome: 'ok' }]);
  });

  it('the text report (no --json) lists every check and ends with the counts', async () => {
    const ran = await runCommand<DoctorReport>(
      Doctor,
      base(['--jwt-key-file', keyFile]).filter((a) => a !== '--json'),
    );
    expect(ran.error).to.equal(undefined);
    expect(ran.stdout).to.match(/PASS {2}exchange/);
    expect(ran.stdout).to.match(/\d+ passed, \d+ warned, 0 failed, \d+ skipped/);
  });

  describe('mangled or wrong keys', () => {
    it('literal \\n in SF_JWT_KEY: key.decode warns with the repair, the exchange still works', async () => {
      home.setEnv('SF_JWT_KEY', creds.privateKeyPem.trim().replace(/\n/g, '\\n'));
      const { report } = await doctor(base());
      const decode = check(report, 'key.decode');
      expect(decode.status).to.equal('warn');
      expect(decode.detail).to.include('literal-newlines');
      expect(decode.fix).to.include('base64');
      expect(check(report, 'key.source')).to.include({ status: 'pass', detail: '$SF_JWT_KEY' });
      expect(check(report, 'exchange').status).to.equal('pass');
      expect(report.ok).to.equal(true);
    });

    it('SF_JWT_KEY as one-line base64 (the recommended form): key.decode passes, not "mangled"', async () => {
      home.setEnv('SF_JWT_KEY', Buffer.from(creds.privateKeyPem).toString('base64'));
      const { report } = await doctor(base());
      const decode = check(report, 'key.decode');
      expect(decode.status, decode.detail).to.equal('pass');
      expect(decode.detail).to.not.include('mangled');
    });

    it('a 1024-bit key: key.size fails (doctor reads it anyway), the fix names keygen', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
      await writeFile(keyFile, small.export({ type: 'pkcs8', format: 'pem' }) as string);
      const { report } = await doctor(base(['--jwt-key-file', keyFile, '--offline']));
      const size = check(report, 'key.size');
      expect(size.status).to.equal('fail');
      expect(size.detail).to.include('1024');
      expect(size.fix).to.include('keygen');
      expect(check(report, 'key.decode').status).to.equal('pass');
    });

    it('the certificate passed as the key: key.decode fails with KeyIsCertificate, the exchange is skipped', async () => {
      const { report } = await doctor(base(['--jwt-key-file', certFile, '--certificate-file', certFile]));
      expect(report.ok).to.equal(false);
      const decode = check(report, 'key.decode');
      expect(decode.status).to.equal('fail');
      expect(decode.detail).to.include('holds a certificate, not a private key');
      expect(decode.fix).to.include('.key file');
      expect(check(report, 'certificate.match').status).to.equal('skip');
      expect(check(report, 'exchange').status).to.equal('skip');
    });

    it('an encrypted key without --passphrase-env: key.decode fails naming --passphrase-env', async () => {
      await writeFile(keyFile, privateKeyPem(creds.privateKey, 'pw'));
      const { report } = await doctor(base(['--jwt-key-file', keyFile]));
      const decode = check(report, 'key.decode');
      expect(decode.status).to.equal('fail');
      expect(decode.detail).to.include('encrypted');
      expect(decode.fix).to.include('--passphrase-env');
    });

    it('an unset passphrase variable: key.passphrase fails', async () => {
      await writeFile(keyFile, privateKeyPem(creds.privateKey, 'pw'));
      const { report } = await doctor(base(['--jwt-key-file', keyFile, '--passphrase-env', 'NOT_SET_PW']));
      expect(check(report, 'key.passphrase').status).to.equal('fail');
      expect(check(report, 'key.passphrase').detail).to.include('NOT_SET_PW');
    });

    it('a key in /tmp warns key.location; mode 0644 warns key.permissions with the chmod fix', async () => {
      const tmpKey = join(home.home, 'tmp-server.key'); // HOME is under the temporary folder
      await writeFile(tmpKey, creds.privateKeyPem);
      await chmod(tmpKey, 0o644);
      const { report } = await doctor(base(['--jwt-key-file', tmpKey]));
      const location = check(report, 'key.location');
      expect(location.status).to.equal('warn');
      expect(location.detail).to.include(tmpKey);
      expect(location.fix).to.include('--jwt-key-env');
      const permissions = check(report, 'key.permissions');
      expect(permissions.status).to.equal('warn');
      expect(permissions.detail).to.include('644');
      expect(permissions.fix).to.equal(`Run \`chmod 600 ${tmpKey}\`.`);
      expect(report.ok).to.equal(true); // warnings do not fail
    });
  });

  describe('certificates', () => {
    it("another key's certificate: certificate.match fails with the keygen --key-file fix", async () => {
      const wrong = join(keyDir, 'other.crt');
      await writeFile(wrong, other.certificatePem);
      const { report } = await doctor(base(['--jwt-key-file', keyFile, '--certificate-file', wrong]));
      const match = check(report, 'certificate.match');
      expect(match.status).to.equal('fail');
      expect(match.detail).to.include(wrong);
      expect(match.fix).to.include('keygen --key-file');
      expect(report.ok).to.equal(false);
    });

    it('an expired certificate warns certificate.validity but does not fail', async () => {
      const expired = await createSelfSignedCertificate({
        privateKey: creds.privateKey,
        publicKey: createPublicKey(creds.privateKey),
        subject: parseSubject('CN=old'),
        days: 30,
        now: new Date(Date.now() - 400 * DAY),
      });
      const file = join(keyDir, 'expired.crt');
      await writeFile(file, expired.pem);
      const { report } = await doctor(base(['--jwt-key-file', keyFile, '--certificate-file', file]));
      const validity = check(report, 'certificate.validity');
      expect(validity.status).to.equal('warn');
      expect(validity.detail).to.include('Expired on').and.include(expired.notAfter.toISOString());
      expect(validity.fix).to.include('keygen --key-file');
      expect(check(report, 'certificate.match').status).to.equal('pass');
      expect(report.ok).to.equal(true);
    });

    it('a missing certificate file: certificate.decode fails', async () => {
      const { report } = await doctor(
        base(['--jwt-key-file', keyFile, '--certificate-file', join(keyDir, 'none.crt')]),
      );
      expect(check(report, 'certificate.decode').status).to.equal('fail');
    });
  });

  describe('claims and the exchange', () => {
    it('a sandbox username at the production login host (offline): claims.sub warns, --sandbox in the fix', async () => {
      const before = emu.requestLog.length;
      const { report } = await doctor([
        '--client-id',
        CONSUMER_KEY,
        '--username',
        'ci@acme.com.uat',
        '--instance-url',
        'https://login.salesforce.com',
        '--jwt-key-file',
        keyFile,
        '--offline',
        '--json',
      ]);
      const sub = check(report, 'claims.sub');
      expect(sub.status).to.equal('warn');
      expect(sub.detail).to.include('uat');
      expect(sub.fix).to.match(/test\.salesforce\.com|--sandbox/);
      expect(emu.requestLog.length).to.equal(before);
    });

    it('the emulator not admitting the user: exchange fails, the fix names pre-authorization and the permission set', async () => {
      const { report } = await doctor(base(['--jwt-key-file', keyFile], 'notadmitted@acme.example'));
      expect(report.ok).to.equal(false);
      const exchange = check(report, 'exchange');
      expect(exchange.status).to.equal('fail');
      expect(exchange.detail).to.include("user hasn't approved this consumer");
      expect(exchange.fix).to.include('pre-authorized').and.include('permission set');
      expect(exchange.fix).to.match(/^1\. /);
      expect(exchange.fix, 'doctor does not tell you to run doctor').not.to.include('sf jwt-setup doctor');
      expect(check(report, 'endpoint.reachable').status).to.equal('pass');
      expect(check(report, 'api').status).to.equal('skip');
      expect(report.exchange?.error?.name).to.equal('UserNotApprovedError');
      expect(report.exchange?.attempts.map((a) => a.outcome)).to.deep.equal(['UserNotApproved']);
    });

    it("a key the app's certificate was not made from, without --certificate-file: the fix asks for the certificate first", async () => {
      const otherKey = join(keyDir, 'other.key');
      await writeFile(otherKey, other.privateKeyPem, { mode: 0o600 });
      const { report } = await doctor(base(['--jwt-key-file', otherKey]));
      const exchange = check(report, 'exchange');
      expect(exchange.status).to.equal('fail');
      expect(exchange.detail).to.include('invalid assertion').and.include('The local checks found nothing wrong');
      expect(exchange.fix).to.match(/^1\. Run doctor again with --certificate-file/);
      expect(exchange.fix).not.to.include('sf jwt-setup doctor').and.not.include('server.crt');
      expect(report.exchange?.error?.name).to.equal('InvalidAssertionError');
    });

    it('an External Client App that wants its My Domain audience: every audience tried is named, with --audience in the fix', async () => {
      const eca = await startEmulator({
        org: { myDomainUrl: 'https://acme.my.salesforce.com' },
        apps: [
          {
            consumerKey: CONSUMER_KEY,
            certificatePem: creds.certificatePem,
            permissionSets: ['JWT'],
            kind: 'external',
            myDomainOnly: true,
          },
        ],
        users: [{ username: USER, permissionSets: ['JWT'] }],
      });
      try {
        const { report } = await doctor([
          ...base(['--jwt-key-file', keyFile]).filter((a) => a !== emu.url && a !== '--instance-url'),
          '--instance-url',
          eca.url,
        ]);
        const exchange = check(report, 'exchange');
        expect(exchange.status).to.equal('fail');
        expect(report.exchange?.attempts.map((a) => a.audience)).to.deep.equal([
          eca.url,
          'https://login.salesforce.com',
        ]);
        expect(exchange.fix)
          .to.include(`refused every audience tried: ${eca.url}, https://login.salesforce.com`)
          .and.include('--audience');
      } finally {
        await eca.stop();
      }
    });

    it('an unreachable host (closed port): endpoint.reachable fails, the exchange is skipped', async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const { port } = server.address() as { port: number };
      await new Promise<void>((r) => server.close(() => r()));
      const { report } = await doctor([
        '--client-id',
        CONSUMER_KEY,
        '--username',
        USER,
        '--instance-url',
        `http://127.0.0.1:${port}`,
        '--jwt-key-file',
        keyFile,
        '--timeout',
        '10',
        '--json',
      ]);
      const reachable = check(report, 'endpoint.reachable');
      expect(reachable.status).to.equal('fail');
      expect(reachable.detail).to.include('refused');
      expect(check(report, 'exchange').status).to.equal('skip');
      expect(check(report, 'endpoint.clock').status).to.equal('skip');
      expect(report.ok).to.equal(false);
    });

    it('--offline: network checks skipped and no request reaches the emulator', async () => {
      const before = emu.requestLog.length;
      const { report } = await doctor(base(['--jwt-key-file', keyFile, '--offline']));
      for (const id of ['endpoint.reachable', 'endpoint.clock', 'exchange', 'api'])
        expect(check(report, id).status, id).to.equal('skip');
      expect(emu.requestLog.length).to.equal(before);
      expect(report.exchange).to.equal(undefined);
      expect(report.ok).to.equal(true);
    });
  });

  describe('stored auth (--target-org)', () => {
    it('a registered auth whose key file was deleted: stored-auth fails with the re-login fix', async () => {
      const login = await runCommand<LoginResult>(Login, [
        '--client-id',
        CONSUMER_KEY,
        '--username',
        USER,
        '--instance-url',
        emu.url,
        '--jwt-key-file',
        keyFile,
        '--alias',
        'ci',
        '--json',
      ]);
      expect(login.error, login.error?.message).to.equal(undefined);
      // healthy first
      const healthy = await doctor(['--target-org', 'ci', '--json']);
      expect(check(healthy.report, 'stored-auth').status).to.equal('pass');
      expect(check(healthy.report, 'exchange').status).to.equal('pass');
      await unlink(keyFile);
      const { report } = await doctor(['--target-org', 'ci', '--json']);
      const stored = check(report, 'stored-auth');
      expect(stored.status).to.equal('fail');
      expect(stored.detail).to.include(USER).and.include(keyFile);
      expect(stored.fix).to.include('sf jwt-setup login');
      expect(check(report, 'key.source').status).to.equal('fail');
      expect(report.ok).to.equal(false);
    });

    it('an unknown --target-org: stored-auth fails', async () => {
      const { report } = await doctor(['--target-org', 'nobody-here', '--offline', '--json']);
      const stored = check(report, 'stored-auth');
      expect(stored.status).to.equal('fail');
      expect(stored.detail).to.include('nobody-here');
    });
  });

  describe('GitHub Actions', () => {
    it('with GITHUB_ACTIONS=true: ::error annotations on stdout and a Markdown table in the step summary', async () => {
      const summary = join(home.home, 'summary.md');
      home.setEnv('GITHUB_ACTIONS', 'true');
      home.setEnv('GITHUB_STEP_SUMMARY', summary);
      const ran = await runCommand<DoctorReport>(
        Doctor,
        base(['--jwt-key-file', keyFile], 'notadmitted@acme.example').filter((a) => a !== '--json'),
      );
      expect(ran.error).to.equal(undefined);
      expect(ran.exitCode).to.equal(1);
      const errors = ran.stdout.split('\n').filter((l) => l.startsWith('::error '));
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^::error title=sf jwt-setup doctor%3A exchange::.*Fix: 1\. /);
      const markdown = await readFile(summary, 'utf8');
      expect(markdown).to.include('### sf jwt-setup doctor');
      expect(markdown).to.include('| status | check | found | fix |');
      expect(markdown).to.match(/\| ❌ fail \| `exchange` \|/);
      expect(markdown).to.match(/\| ✅ pass \| `key.decode` \|/);
    });

    it('without GITHUB_ACTIONS: no annotations, no summary', async () => {
      const summary = join(home.home, 'summary.md');
      home.setEnv('GITHUB_STEP_SUMMARY', summary);
      const ran = await runCommand<DoctorReport>(
        Doctor,
        base(['--jwt-key-file', keyFile], 'notadmitted@acme.example').filter((a) => a !== '--json'),
      );
      expect(ran.stdout).to.not.include('::error');
      expect(existsSync(summary)).to.equal(false);
    });

    it('renderGithubAnnotations escapes %, newlines, ":" and "," and maps warn to ::warning; pass and skip are silent', () => {
      const checks: Check[] = [
        // Ids outside the catalogue too: the renderers escape whatever an id holds.
        { id: 'a' as CheckId, status: 'pass', title: 'A', detail: 'fine' },
        { id: 'b' as CheckId, status: 'skip', title: 'B', detail: 'skipped' },
        { id: 'key.decode', status: 'warn', title: 'K', detail: '100% mangled\nline two', fix: 'do: this, then that' },
        { id: 'x,y' as CheckId, status: 'fail', title: 'X', detail: 'broken', fix: 'fix it' },
      ];
      expect(renderGithubAnnotations(checks)).to.deep.equal([
        '::warning title=sf jwt-setup doctor%3A key.decode::100%25 mangled%0Aline two Fix: do: this, then that',
        '::error title=sf jwt-setup doctor%3A x%2Cy::broken Fix: fix it',
      ]);
      const md = renderMarkdown([{ id: 'p' as CheckId, status: 'fail', title: 'P', detail: 'a | b', fix: 'c\nd' }]);
      expect(md).to.include('| ❌ fail | `p` | a \\| b | c d |');
      expect(renderText(checks).slice(-1)[0]).to.equal('1 passed, 1 warned, 1 failed, 1 skipped');
    });
  });
});
