import { expect } from 'chai';
import { buildClaims, MAX_EXPIRES_IN } from '../../../src/jwt/assertion.js';
import { PRODUCTION_URL, SANDBOX_URL } from '../../../src/jwt/endpoint.js';
import {
  checkAud,
  checkClaims,
  checkExp,
  checkHeader,
  checkIss,
  checkSub,
  sandboxSuffix,
} from '../../../src/jwt/rules.js';
import type { Check } from '../../../src/report/check.js';
import { CONSUMER_KEY, expectCoded, thrown } from '../../helpers/index.js';

const NOW = 1_900_000_000; // seconds

function byId(checks: Check[], id: string): Check {
  const found = checks.filter((c) => c.id === id);
  expect(found, `checks with id ${id} in ${JSON.stringify(checks.map((c) => c.id))}`).to.have.length(1);
  return found[0];
}

describe('assertion claims and rules (src/jwt/assertion.ts, src/jwt/rules.ts)', () => {
  it('buildClaims: exp in seconds, 180 s by default; out-of-range expiresIn → InvalidExpiresIn', () => {
    const claims = buildClaims({ clientId: 'K', username: 'u@x.io', audience: PRODUCTION_URL, now: NOW * 1000 + 999 });
    expect(claims).to.deep.equal({ iss: 'K', sub: 'u@x.io', aud: PRODUCTION_URL, exp: NOW + MAX_EXPIRES_IN });
    expect(
      buildClaims({ clientId: 'K', username: 'u@x.io', audience: 'a', expiresIn: 1, now: NOW * 1000 }).exp,
    ).to.equal(NOW + 1);
    for (const expiresIn of [0, 181, 1.5, -5]) {
      expectCoded(
        thrown(() => buildClaims({ clientId: 'K', username: 'u', audience: 'a', expiresIn })),
        'InvalidExpiresIn',
      );
    }
  });

  describe('checkHeader', () => {
    const rs256Signature = Buffer.alloc(256, 1).toString('base64url');

    it('RS256 passes; typ JWT or absent adds nothing', () => {
      expect(checkHeader({ alg: 'RS256', typ: 'JWT' }, rs256Signature).map((c) => [c.id, c.status])).to.deep.equal([
        ['header.alg', 'pass'],
      ]);
      expect(checkHeader({ alg: 'RS256' }).map((c) => [c.id, c.status])).to.deep.equal([['header.alg', 'pass']]);
    });

    it('HS256 fails header.alg with the HMAC explanation', () => {
      const alg = byId(checkHeader({ alg: 'HS256', typ: 'JWT' }), 'header.alg');
      expect(alg.status).to.equal('fail');
      expect(alg.detail).to.include('HS256').and.include('HMAC');
      expect(alg.fix).to.include('RS256');
    });

    it('none (any case) fails header.alg as unsigned', () => {
      for (const alg of ['none', 'NONE', 'None']) {
        const check = byId(checkHeader({ alg }), 'header.alg');
        expect(check.status).to.equal('fail');
        expect(check.detail).to.include('unsigned');
      }
    });

    it('other algorithms and a missing alg fail header.alg', () => {
      for (const alg of ['RS512', 'ES256', 'PS256', undefined, 5]) {
        const check = byId(checkHeader({ alg }), 'header.alg');
        expect(check.status).to.equal('fail');
        expect(check.detail).to.include(String(alg));
      }
    });

    it('typ other than JWT warns header.typ', () => {
      const typ = byId(checkHeader({ alg: 'RS256', typ: 'JWS' }), 'header.typ');
      expect(typ.status).to.equal('warn');
      expect(typ.detail).to.include('JWS');
    });

    it('alg RS256 with a 32-byte signature fails header.typ-alg (an HS256 signature under an RS256 header)', () => {
      const check = byId(checkHeader({ alg: 'RS256' }, Buffer.alloc(32, 9).toString('base64url')), 'header.typ-alg');
      expect(check.status).to.equal('fail');
      expect(check.detail).to.include('32 bytes');
      expect(checkHeader({ alg: 'RS256' }, rs256Signature).some((c) => c.id === 'header.typ-alg')).to.equal(false);
    });
  });

  describe('claim rules', () => {
    it('checkIss: consumer key passes; org id, consumer secret, empty, whitespace fail; odd value warns', () => {
      expect(checkIss(CONSUMER_KEY).status).to.equal('pass');
      const orgId = checkIss('00D5g000004XyZaEAK');
      expect(orgId.status).to.equal('fail');
      expect(orgId.detail).to.include('00D5g000004XyZaEAK');
      expect(checkIss('00D5g000004XyZa').status).to.equal('fail');
      for (const secret of ['1234567890123456789', 'A'.repeat(64).replace(/A/g, 'f')]) {
        const check = checkIss(secret);
        expect(check.status, secret).to.equal('fail');
        expect(check.detail).to.not.include(secret);
      }
      expect(checkIss('').status).to.equal('fail');
      expect(checkIss(undefined).status).to.equal('fail');
      expect(checkIss(`${CONSUMER_KEY} `).status).to.equal('fail');
      expect(checkIss('my-app').status).to.equal('warn');
      for (const c of [checkIss('x'), checkIss('')]) expect(c.id).to.equal('claims.iss');
    });

    it('checkSub: a username passes; missing or not a username fails; a sandbox username at a production host warns', () => {
      expect(checkSub('ci@acme.com', {}).status).to.equal('pass');
      expect(checkSub(undefined, {}).status).to.equal('fail');
      expect(checkSub('ci-user', {}).status).to.equal('fail');
      expect(sandboxSuffix('ci@acme.com.uat')).to.equal('uat');
      expect(sandboxSuffix('ci@acme.com')).to.equal(undefined);
      expect(sandboxSuffix('ci@mail.acme.io')).to.equal(undefined);
      const atProduction = checkSub('ci@acme.com.uat', { loginUrl: new URL(PRODUCTION_URL) });
      expect(atProduction.status).to.equal('warn');
      expect(atProduction.detail).to.include('uat').and.include('login.salesforce.com');
      expect(checkSub('ci@acme.com.uat', { loginUrl: new URL('https://acme.my.salesforce.com') }).status).to.equal(
        'warn',
      );
      expect(checkSub('ci@acme.com.uat', { loginUrl: new URL(SANDBOX_URL) }).status).to.equal('pass');
      expect(checkSub('ci@acme.com.uat', { loginUrl: new URL(PRODUCTION_URL), sandbox: true }).status).to.equal('pass');
    });

    it("checkAud: the host's audience passes; test at the login host fails; others warn; a trailing slash fails", () => {
      const login = { loginUrl: new URL(PRODUCTION_URL) };
      expect(checkAud(PRODUCTION_URL, login).status).to.equal('pass');
      const sandboxAtProduction = checkAud(SANDBOX_URL, login);
      expect(sandboxAtProduction.status).to.equal('fail');
      expect(checkAud('https://acme.my.salesforce.com', login).status).to.equal('warn');
      const slash = checkAud(`${PRODUCTION_URL}/`, login);
      expect(slash.status).to.equal('fail');
      expect(slash.fix).to.include(PRODUCTION_URL).and.not.include(`${PRODUCTION_URL}/`);
      expect(checkAud('not a url', login).status).to.equal('fail');
      expect(checkAud(undefined, login).status).to.equal('fail');
      expect(checkAud(undefined, login).detail).to.equal('aud is missing.');
      expect(checkAud(42, login)).to.include({ status: 'fail', detail: 'aud is a number, not a string.' });
      // a list, as RFC 7519 allows: a warning naming the string to send when an entry fits, else a failure
      const list = checkAud([PRODUCTION_URL], login);
      expect(list.status).to.equal('warn');
      expect(list.detail).to.include('is a list').and.include(PRODUCTION_URL);
      expect(list.fix).to.equal(`Send aud as the string ${PRODUCTION_URL}, not as a list.`);
      expect(checkAud(['x', PRODUCTION_URL], login).fix).to.include(PRODUCTION_URL);
      const badList = checkAud([SANDBOX_URL], login);
      expect(badList.status).to.equal('fail');
      expect(badList.detail).to.include('is a list').and.include('production hosts refuse the sandbox audience');
      expect(checkAud([], login)).to.include({ status: 'fail' });
      expect(checkAud([1, ''], login).detail).to.include('without a usable entry');
      expect(checkAud(SANDBOX_URL, { ...login, audienceExplicit: true }).status).to.equal('pass');
      // without a host: form only
      expect(checkAud(SANDBOX_URL, {}).status).to.equal('pass');
      expect(checkAud('http://example.com', {}).status).to.equal('warn');
      // My Domain: production audience or the My Domain itself
      const myDomain = { loginUrl: new URL('https://acme.my.salesforce.com') };
      expect(checkAud(PRODUCTION_URL, myDomain).status).to.equal('pass');
      expect(checkAud('https://acme.my.salesforce.com', myDomain).status).to.equal('pass');
      expect(checkAud(SANDBOX_URL, myDomain).status).to.equal('warn');
    });

    it('checkExp: seconds within 3 minutes pass; milliseconds, past, too far, missing, non-number fail; fractions warn', () => {
      const ctx = { now: NOW };
      expect(checkExp(NOW + 180, ctx).status).to.equal('pass');
      expect(checkExp(NOW + 1, ctx).status).to.equal('pass');
      expect(checkExp(NOW - 5, ctx).status).to.equal('pass'); // within the clock skew
      const ms = checkExp((NOW + 180) * 1000, ctx);
      expect(ms.status).to.equal('fail');
      expect(ms.fix).to.include(String(NOW + 180));
      const past = checkExp(NOW - 60, ctx);
      expect(past.status).to.equal('fail');
      expect(past.detail).to.include(new Date((NOW - 60) * 1000).toISOString());
      expect(checkExp(NOW + 186, ctx).status).to.equal('fail');
      expect(checkExp(NOW + 3600, ctx).status).to.equal('fail');
      expect(checkExp(undefined, ctx).status).to.equal('fail');
      expect(checkExp(String(NOW + 60), ctx).status).to.equal('fail');
      expect(checkExp(Number.NaN, ctx).status).to.equal('fail');
      expect(checkExp(NOW + 60.5, ctx).status).to.equal('warn');
    });

    it('checkClaims: claims in the wrong case fail claims.case and the lower-case rules fail as missing', () => {
      const checks = checkClaims(
        { ISS: CONSUMER_KEY, Sub: 'ci@acme.com', AUD: PRODUCTION_URL, Exp: NOW + 60 },
        { now: NOW },
      );
      const caseCheck = byId(checks, 'claims.case');
      expect(caseCheck.status).to.equal('fail');
      expect(caseCheck.detail).to.include('ISS').and.include('Sub').and.include('AUD').and.include('Exp');
      for (const id of ['claims.iss', 'claims.sub', 'claims.aud', 'claims.exp'])
        expect(byId(checks, id).status, id).to.equal('fail');
    });

    it('checkClaims: a correct set passes every rule; prn is read when present', () => {
      const checks = checkClaims(
        { iss: CONSUMER_KEY, sub: 'ci@acme.com', aud: PRODUCTION_URL, exp: NOW + 120 },
        { now: NOW, loginUrl: new URL(PRODUCTION_URL) },
      );
      expect(checks.map((c) => [c.id, c.status])).to.deep.equal([
        ['claims.iss', 'pass'],
        ['claims.sub', 'pass'],
        ['claims.aud', 'pass'],
        ['claims.exp', 'pass'],
      ]);
      const prn = checkClaims(
        { iss: CONSUMER_KEY, prn: 'not-a-username', sub: 'ci@acme.com', aud: PRODUCTION_URL, exp: NOW + 1 },
        { now: NOW },
      );
      expect(byId(prn, 'claims.sub').status).to.equal('fail');
    });
  });
});
