import { expect } from 'chai';
import {
  audienceCandidates,
  classifyHost,
  expectedAudiences,
  myDomainForLightning,
  parseLoginUrl,
  PRODUCTION_URL,
  SANDBOX_URL,
  tokenUrl,
} from '../../../src/jwt/endpoint.js';
import { expectCoded, thrown } from '../../helpers/index.js';

describe('login URLs and audiences (src/jwt/endpoint.ts)', () => {
  describe('parseLoginUrl', () => {
    it('accepts https hosts, adds https:// to a bare host and drops a trailing slash', () => {
      expect(parseLoginUrl('https://login.salesforce.com').href).to.equal('https://login.salesforce.com/');
      expect(parseLoginUrl('acme.my.salesforce.com/').origin).to.equal('https://acme.my.salesforce.com');
      expect(parseLoginUrl('  https://acme--uat.sandbox.my.salesforce.com/  ').origin).to.equal(
        'https://acme--uat.sandbox.my.salesforce.com',
      );
      // an Experience Cloud site keeps its path
      expect(parseLoginUrl('https://acme.my.site.com/partners/').href).to.equal('https://acme.my.site.com/partners');
    });

    it('accepts http for loopback hosts only', () => {
      for (const url of [
        'http://127.0.0.1:8080',
        'http://localhost:3000',
        'http://[::1]:9000',
        'http://emu.localhost:1',
      ]) {
        expect(parseLoginUrl(url).protocol).to.equal('http:');
      }
      for (const url of ['http://login.salesforce.com', 'http://acme.my.salesforce.com', 'http://10.0.0.1']) {
        const error = thrown(() => parseLoginUrl(url));
        expectCoded(error, 'InsecureUrl');
        expect(error.actions!.join(' ')).to.include('https://');
      }
    });

    it('a Lightning URL → LightningUrl, with the My Domain URL in the fix', () => {
      const cases: Array<[string, string]> = [
        ['https://acme.lightning.force.com/lightning/page/home', 'https://acme.my.salesforce.com'],
        ['https://acme--uat.sandbox.lightning.force.com', 'https://acme--uat.sandbox.my.salesforce.com'],
        ['https://acme-dev-ed.develop.lightning.force.com/', 'https://acme-dev-ed.develop.my.salesforce.com'],
        ['https://x-1.scratch.lightning.force.com', 'https://x-1.scratch.my.salesforce.com'],
      ];
      for (const [url, myDomain] of cases) {
        const error = thrown(() => parseLoginUrl(url));
        expectCoded(error, 'LightningUrl');
        expect(error.actions!.join(' ')).to.include(myDomain);
        expect(myDomainForLightning(new URL(url))).to.equal(myDomain);
      }
    });

    it('a Setup page URL (path, query or fragment) → SetupPageUrl with the bare origin as the fix', () => {
      for (const url of [
        'https://acme.my.salesforce.com/lightning/setup/SetupOneHome/home',
        'https://acme.my.salesforce.com/setup/forcecomHomepage.apexp',
        'https://acme.my.salesforce.com/_ui/core/x',
        'https://acme.my.salesforce.com/?startURL=%2Fhome',
        'https://acme.my.salesforce.com/#frag',
      ]) {
        const error = thrown(() => parseLoginUrl(url));
        expectCoded(error, 'SetupPageUrl');
        expect(error.actions!.join(' ')).to.include('https://acme.my.salesforce.com');
      }
    });

    it('garbage, other schemes and credentials in the URL → InvalidUrl', () => {
      for (const url of [
        'http://',
        'ht tp://x',
        'ftp://login.salesforce.com',
        'https://user:pw@login.salesforce.com',
        '::::',
      ]) {
        expectCoded(
          thrown(() => parseLoginUrl(url)),
          'InvalidUrl',
        );
      }
    });
  });

  describe('classifyHost and audienceCandidates', () => {
    const cases: Array<{ url: string; kind: string; audiences: string[]; sandbox?: string[] }> = [
      { url: 'https://login.salesforce.com', kind: 'production', audiences: [PRODUCTION_URL] },
      { url: 'https://test.salesforce.com', kind: 'sandbox', audiences: [SANDBOX_URL] },
      {
        url: 'https://acme.my.salesforce.com',
        kind: 'my-domain',
        audiences: [PRODUCTION_URL, 'https://acme.my.salesforce.com'],
        sandbox: [SANDBOX_URL, 'https://acme.my.salesforce.com'],
      },
      {
        url: 'https://acme--uat.sandbox.my.salesforce.com',
        kind: 'sandbox-my-domain',
        audiences: [SANDBOX_URL, 'https://acme--uat.sandbox.my.salesforce.com'],
      },
      {
        url: 'https://x.scratch.my.salesforce.com',
        kind: 'scratch-my-domain',
        audiences: [SANDBOX_URL, 'https://x.scratch.my.salesforce.com'],
      },
      {
        url: 'http://127.0.0.1:4567',
        kind: 'loopback',
        audiences: ['http://127.0.0.1:4567', PRODUCTION_URL],
        sandbox: ['http://127.0.0.1:4567', SANDBOX_URL],
      },
      { url: 'https://acme.my.site.com', kind: 'site', audiences: ['https://acme.my.site.com', PRODUCTION_URL] },
    ];
    for (const c of cases) {
      it(`${c.url}: ${c.kind}, audiences ${c.audiences.join(' then ')}`, () => {
        const url = parseLoginUrl(c.url);
        expect(classifyHost(url)).to.equal(c.kind);
        expect(audienceCandidates(url)).to.deep.equal(c.audiences);
        if (c.sandbox) expect(audienceCandidates(url, { sandbox: true })).to.deep.equal(c.sandbox);
        expect(expectedAudiences(url)).to.deep.equal(c.audiences);
        expect(tokenUrl(url).href).to.equal(`${c.url}/services/oauth2/token`);
      });
    }

    it('an explicit audience is the only one tried, without its trailing slash', () => {
      const url = parseLoginUrl('https://acme.my.salesforce.com');
      expect(audienceCandidates(url, { audience: ' https://test.salesforce.com/ ' })).to.deep.equal([SANDBOX_URL]);
      expect(
        audienceCandidates(parseLoginUrl('http://localhost:1'), { audience: PRODUCTION_URL, sandbox: true }),
      ).to.deep.equal([PRODUCTION_URL]);
    });
  });
});
