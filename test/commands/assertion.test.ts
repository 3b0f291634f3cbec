import { exec } from 'node:child_process';
import { createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import Assertion, {
  type AssertionResult,
  type BuiltAssertion,
  type CheckedAssertion,
} from '../../src/commands/jwt-setup/assertion.js';
import { inspectAssertion, decodeJwt } from '../../src/jwt/inspect.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import {
  CONSUMER_KEY,
  CURL,
  expectCommandError,
  expectCoded,
  isolatedHome,
  runCommand,
  tempDir,
  thrown,
  type Home,
} from '../helpers/index.js';

const execAsync = promisify(exec);
const USER = 'ci@acme.example';
const PRODUCTION = 'https://login.salesforce.com';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An RS256 JWT signed by hand (any header and claims, even wrong-case ones). */
function signRs256(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

const goodClaims = (): Record<string, unknown> => ({
  iss: CONSUMER_KEY,
  sub: USER,
  aud: PRODUCTION,
  exp: nowSeconds() + 120,
});

describe('sf jwt-setup assertion', function () {
  this.timeout(30_000);
  let creds: TestCredentials;
  let other: TestCredentials;
  let emu: SalesforceEmulator;
  let home: Home;
  let dir: string;
  let keyFile: string;
  let certFile: string;
  let otherCertFile: string;

  before(async () => {
    creds = await makeCredentials();
    other = await makeCredentials('other');
    emu = await startEmulator({
      apps: [{ consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['JWT'] }],
      users: [{ username: USER, permissionSets: ['JWT'] }],
    });
  });

  after(async () => {
    await emu.stop();
  });

  beforeEach(async () => {
    home = await isolatedHome();
    dir = await tempDir('sfjwt-assertion-');
    keyFile = join(dir, 'server.key');
    certFile = join(dir, 'server.crt');
    otherCertFile = join(dir, 'other.crt');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    await writeFile(certFile, creds.certificatePem);
    await writeFile(otherCertFile, other.certificatePem);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await home.restore();
  });

  describe('build mode', () => {
    const build = (extra: string[] = []): string[] => [
      '--client-id',
      CONSUMER_KEY,
      '--username',
      USER,
      '--instance-url',
      emu.url,
      '--jwt-key-file',
      keyFile,
      ...extra,
      '--json',
    ];

    it('returns the header, claims, a verifying RS256 assertion, the token URL and a curl command', async () => {
      const before = Math.floor(Date.now() / 1000);
      const ran = await runCommand<AssertionResult>(Assertion, build());
      expect(ran.error, ran.error?.message).to.equal(undefined);
      const result = ran.result as BuiltAssertion;
      expect(Object.keys(result).sort()).to.deep.equal(['assertion', 'claims', 'curl', 'header', 'tokenUrl']);
      expect(result.header).to.deep.equal({ alg: 'RS256' });
      expect(result.claims).to.include({ iss: CONSUMER_KEY, sub: USER, aud: emu.url });
      expect(result.claims.exp - before).to.be.within(179, 181);
      expect(result.tokenUrl).to.equal(`${emu.url}/services/oauth2/token`);
      const decoded = decodeJwt(result.assertion)!;
      expect(decoded.header).to.deep.equal({ alg: 'RS256' });
      expect(decoded.claims).to.deep.equal(result.claims);
      const valid = createVerify('RSA-SHA256')
        .update(decoded.signingInput)
        .verify(createPublicKey(creds.privateKey), Buffer.from(decoded.signature, 'base64url'));
      expect(valid).to.equal(true);
      expect(result.curl).to.include(`curl -sS -X POST '${result.tokenUrl}'`);
      expect(result.curl).to.include("--data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer'");
      expect(result.curl).to.include(`--data-urlencode 'assertion=${result.assertion}'`);
      // nothing was sent
      expect(emu.requestLog.filter((e) => e.path === '/services/oauth2/token')).to.have.length(0);
    });

    it('--expires-in 60 and --audience are honoured; out-of-range --expires-in → InvalidExpiresIn', async () => {
      const ran = await runCommand<AssertionResult>(
        Assertion,
        build(['--expires-in', '60', '--audience', 'https://test.salesforce.com']),
      );
      const result = ran.result as BuiltAssertion;
      expect(result.claims.aud).to.equal('https://test.salesforce.com');
      expect(result.claims.exp - nowSeconds()).to.be.within(58, 61);
      expectCommandError(
        await runCommand<AssertionResult>(Assertion, build(['--expires-in', '181'])),
        'InvalidExpiresIn',
      );
    });

    it('the printed curl command gets an access token from the emulator', async function () {
      if (!CURL) this.skip();
      const result = (await runCommand<AssertionResult>(Assertion, build())).result as BuiltAssertion;
      const { stdout } = await execAsync(result.curl, { timeout: 20_000 });
      const answer = JSON.parse(stdout) as Record<string, string>;
      expect(answer.access_token).to.match(/^00D\w{12}!AQ/);
      expect(answer.instance_url).to.equal(emu.url);
      expect(answer.token_type).to.equal('Bearer');
      const grant = emu.requestLog.filter((e) => e.grant).slice(-1)[0].grant;
      expect(grant).to.include({ iss: CONSUMER_KEY, sub: USER, result: 'ok' });
    });

    it('a bad key is refused with its code (the certificate as key → KeyIsCertificate)', async () => {
      const ran = await runCommand<AssertionResult>(
        Assertion,
        build().map((a) => (a === keyFile ? certFile : a)),
      );
      expectCommandError(ran, 'KeyIsCertificate');
    });
  });

  describe('--check', () => {
    async function checkJwt(
      token: string,
      extra: string[] = [],
    ): Promise<CheckedAssertion & { exitCode: number | string | undefined }> {
      const ran = await runCommand<AssertionResult>(Assertion, ['--check', token, ...extra, '--json']);
      expect(ran.error, ran.error?.message).to.equal(undefined);
      const result = ran.result as CheckedAssertion;
      expect(ran.exitCode ?? 0).to.equal(result.ok ? 0 : 1);
      return { ...result, exitCode: ran.exitCode };
    }

    function statusOf(result: CheckedAssertion, id: string): string | undefined {
      const found = result.checks.filter((c) => c.id === id);
      expect(found.length, `${id} appears at most once`).to.be.at.most(1);
      return found[0]?.status;
    }

    it('a correct assertion passes every rule, with its signature verified against --certificate-file', async () => {
      const token = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256' }).sign(creds.privateKey);
      const result = await checkJwt(token, ['--certificate-file', certFile]);
      expect(result.ok).to.equal(true);
      expect(result.exitCode ?? 0).to.equal(0);
      expect(result.checks.map((c) => c.status)).to.satisfy((s: string[]) => s.every((x) => x === 'pass'));
      expect(result.checks.map((c) => c.id)).to.include.members([
        'format',
        'header.alg',
        'claims.iss',
        'claims.sub',
        'claims.aud',
        'claims.exp',
        'signature',
      ]);
      expect(result.header).to.deep.equal({ alg: 'RS256' });
      expect(result.claims).to.include({ iss: CONSUMER_KEY, sub: USER });
    });

    it('HS256 signed with a secret → header.alg fails (and the short signature does not trip typ-alg)', async () => {
      const token = await new SignJWT(goodClaims())
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode('consumer-secret-0123456789abcdef'));
      const result = await checkJwt(token);
      expect(result.ok).to.equal(false);
      expect(statusOf(result, 'header.alg')).to.equal('fail');
      expect(result.checks.find((c) => c.id === 'header.alg')!.detail).to.include('HS256');
      expect(statusOf(result, 'header.typ-alg')).to.equal(undefined);
      expect(statusOf(result, 'claims.exp')).to.equal('pass');
    });

    it('alg none (unsigned) → header.alg fails', async () => {
      const result = await checkJwt(`${b64({ alg: 'none' })}.${b64(goodClaims())}.`);
      expect(result.ok).to.equal(false);
      expect(statusOf(result, 'header.alg')).to.equal('fail');
      expect(result.checks.find((c) => c.id === 'header.alg')!.detail).to.include('"none"');
    });

    it('exp in milliseconds → claims.exp fails with the seconds value in the fix', async () => {
      const exp = Date.now() + 120_000;
      const result = await checkJwt(signRs256({ alg: 'RS256' }, { ...goodClaims(), exp }, creds.privateKey));
      expect(statusOf(result, 'claims.exp')).to.equal('fail');
      expect(result.checks.find((c) => c.id === 'claims.exp')!.fix).to.include(String(Math.floor(exp / 1000)));
      expect(statusOf(result, 'header.alg')).to.equal('pass');
    });

    it('exp in the past → claims.exp fails', async () => {
      const result = await checkJwt(
        signRs256({ alg: 'RS256' }, { ...goodClaims(), exp: nowSeconds() - 600 }, creds.privateKey),
      );
      expect(result.ok).to.equal(false);
      expect(statusOf(result, 'claims.exp')).to.equal('fail');
    });

    it('header says RS256 but the signature is 32 bytes → header.typ-alg fails', async () => {
      const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(goodClaims())}.${Buffer.alloc(32, 3).toString('base64url')}`;
      const result = await checkJwt(token);
      expect(result.ok).to.equal(false);
      expect(statusOf(result, 'header.alg')).to.equal('pass');
      expect(statusOf(result, 'header.typ-alg')).to.equal('fail');
    });

    it('claims in the wrong case → claims.case fails', async () => {
      const claims = { ISS: CONSUMER_KEY, Sub: USER, Aud: PRODUCTION, EXP: nowSeconds() + 60 };
      const result = await checkJwt(signRs256({ alg: 'RS256' }, claims, creds.privateKey));
      expect(statusOf(result, 'claims.case')).to.equal('fail');
      expect(result.checks.find((c) => c.id === 'claims.case')!.detail).to.include('ISS');
    });

    it('signed by another key than the certificate → signature fails', async () => {
      const token = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256' }).sign(creds.privateKey);
      const result = await checkJwt(token, ['--certificate-file', otherCertFile]);
      expect(result.ok).to.equal(false);
      expect(statusOf(result, 'signature')).to.equal('fail');
      expect(result.checks.filter((c) => c.status === 'fail').map((c) => c.id)).to.deep.equal(['signature']);
    });

    it('aud test.salesforce.com checked against --instance-url https://login.salesforce.com → claims.aud fails', async () => {
      const token = signRs256(
        { alg: 'RS256' },
        { ...goodClaims(), aud: 'https://test.salesforce.com' },
        creds.privateKey,
      );
      const result = await checkJwt(token, ['--instance-url', PRODUCTION]);
      expect(statusOf(result, 'claims.aud')).to.equal('fail');
    });

    it('aud with a trailing slash → claims.aud fails; aud as a one-entry list → a warning naming the string, exit 0', async () => {
      const slash = await checkJwt(
        signRs256({ alg: 'RS256' }, { ...goodClaims(), aud: `${PRODUCTION}/` }, creds.privateKey),
        ['--instance-url', PRODUCTION],
      );
      expect(statusOf(slash, 'claims.aud')).to.equal('fail');
      expect(slash.exitCode).to.equal(1);
      const list = await checkJwt(
        signRs256({ alg: 'RS256' }, { ...goodClaims(), aud: [PRODUCTION] }, creds.privateKey),
        ['--instance-url', PRODUCTION],
      );
      expect(statusOf(list, 'claims.aud')).to.equal('warn');
      expect(list.checks.find((c) => c.id === 'claims.aud')?.detail).to.include('is a list');
      expect(list.ok).to.equal(true);
    });

    it('not a JWT → format fails; an empty --check → AssertionMissing', async () => {
      const result = await checkJwt('not.a-jwt');
      expect(result.checks.map((c) => [c.id, c.status])).to.deep.equal([['format', 'fail']]);
      expectCommandError(await runCommand<AssertionResult>(Assertion, ['--check', ' ', '--json']), 'AssertionMissing');
      expectCoded(
        thrown(() => inspectAssertion('  ', {})),
        'AssertionMissing',
      );
    });
  });
});
