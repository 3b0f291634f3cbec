import { expect } from 'chai';
import { isJwtSetupError, type ErrorCode } from '../../../src/errors.js';
import {
  apiNameProblem,
  generateConsumerKey,
  labelFromName,
  parseApiVersion,
  parseScopes,
  validateAppName,
  validateConsumerKey,
  validateEmail,
  validatePermissionSetName,
  validateProfileName,
} from '../../../src/app/names.js';
import { escapeXml, metadataDocument, parseXml, childText, childTexts } from '../../../src/app/xml.js';

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isJwtSetupError(error)) return error.errorCode;
    throw error;
  }
  return undefined;
}

describe('app inputs', () => {
  describe('scopes', () => {
    it('parses space-separated, comma-separated and mixed lists into tokens and metadata names', () => {
      expect(parseScopes('api refresh_token')).to.deep.equal({
        tokens: ['api', 'refresh_token'],
        metadataNames: ['Api', 'RefreshToken'],
      });
      expect(parseScopes('api,refresh_token, web')).to.deep.equal({
        tokens: ['api', 'refresh_token', 'web'],
        metadataNames: ['Api', 'RefreshToken', 'Web'],
      });
      expect(parseScopes(['  api ', 'web'])).to.deep.equal({ tokens: ['api', 'web'], metadataNames: ['Api', 'Web'] });
    });

    it('maps every documented token to its ConnectedAppOauthAccessScope name', () => {
      const parsed = parseScopes(
        'api refresh_token web full id openid chatter_api custom_permissions visualforce wave_api cdp_api sfap_api',
      );
      expect(parsed.metadataNames).to.deep.equal([
        'Api',
        'RefreshToken',
        'Web',
        'Full',
        'Basic',
        'OpenID',
        'Chatter',
        'CustomPermissions',
        'CustomApplications',
        'Wave',
        'CDP',
        'SFAP',
      ]);
    });

    it('accepts the metadata names and offline_access, case-insensitively, and drops duplicates', () => {
      expect(parseScopes('Api, RefreshToken, API, offline_access').tokens).to.deep.equal(['api', 'refresh_token']);
      expect(parseScopes('OpenID Basic').tokens).to.deep.equal(['openid', 'id']);
    });

    it('refuses unknown, empty and prototype-named scopes with InvalidScopes', () => {
      for (const bad of ['api bogus', 'refresh-token', '', ' , ', 'constructor', '__proto__', 'toString']) {
        expect(
          codeOf(() => parseScopes(bad)),
          bad,
        ).to.equal('InvalidScopes');
      }
    });
  });

  describe('consumer key', () => {
    it('generates 64 alphanumeric characters, different every time', () => {
      const keys = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const key = generateConsumerKey();
        expect(key).to.match(/^[A-Za-z0-9]{64}$/);
        keys.add(key);
      }
      expect(keys.size).to.equal(200);
      expect(generateConsumerKey(32)).to.have.length(32);
    });

    it('uses the whole alphabet (no bias towards a few characters)', () => {
      const counts = new Map<string, number>();
      for (const ch of Array.from({ length: 200 }, () => generateConsumerKey()).join(''))
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
      expect(counts.size).to.equal(62);
      // 12800 characters over 62 letters: about 206 each
      for (const n of counts.values()) expect(n).to.be.within(120, 300);
    });

    it('accepts 8 to 256 letters and digits, refuses the rest with InvalidConsumerKey', () => {
      expect(validateConsumerKey('abcDEF12')).to.equal('abcDEF12');
      expect(validateConsumerKey('a'.repeat(256))).to.have.length(256);
      for (const bad of ['short1', 'a'.repeat(257), 'has-dash123', 'space here 1', '3MVG9.abc_def', 'ünïcode123']) {
        expect(
          codeOf(() => validateConsumerKey(bad)),
          bad,
        ).to.equal('InvalidConsumerKey');
      }
    });
  });

  describe('names', () => {
    it('accepts valid app API names and makes a label from them', () => {
      for (const ok of ['CI_Deploy', 'a', 'App2', 'A_b_C_1', 'x'.repeat(40)]) expect(validateAppName(ok)).to.equal(ok);
      expect(labelFromName('CI_Deploy_App')).to.equal('CI Deploy App');
    });

    it('refuses names Salesforce would refuse, saying why', () => {
      const cases: Array<[string, RegExp]> = [
        ['', /empty/],
        ['1App', /start with a letter/],
        ['_App', /start with a letter/],
        ['CI-Deploy', /"-"/],
        ['CI Deploy', /" "/],
        ['CI__Deploy', /two underscores/],
        ['CI_Deploy_', /ends with an underscore/],
        ['x'.repeat(41), /limit is 40/],
      ];
      for (const [name, why] of cases) {
        expect(apiNameProblem(name, 40), name).to.match(why);
        expect(
          codeOf(() => validateAppName(name)),
          name,
        ).to.equal('InvalidAppName');
      }
    });

    it('allows permission set names up to 80 characters', () => {
      expect(validatePermissionSetName('P'.repeat(80))).to.have.length(80);
      expect(codeOf(() => validatePermissionSetName('P'.repeat(81)))).to.equal('InvalidPermissionSetName');
      expect(codeOf(() => validatePermissionSetName('JWT__CI'))).to.equal('InvalidPermissionSetName');
    });

    it('takes profile names as Setup shows them, but no commas', () => {
      expect(validateProfileName(' System Administrator ')).to.equal('System Administrator');
      expect(validateProfileName('Minimum Access - API Only Integrations')).to.equal(
        'Minimum Access - API Only Integrations',
      );
      expect(codeOf(() => validateProfileName('A, B'))).to.equal('InvalidProfileName');
      expect(codeOf(() => validateProfileName('  '))).to.equal('InvalidProfileName');
      expect(codeOf(() => validateProfileName('x<y'))).to.equal('InvalidProfileName');
    });
  });

  describe('email and API version', () => {
    it('checks email addresses', () => {
      expect(validateEmail('devops@acme.example')).to.equal('devops@acme.example');
      expect(validateEmail('first.last+ci@sub.acme.co.uk')).to.equal('first.last+ci@sub.acme.co.uk');
      for (const bad of [
        'devops',
        'devops@',
        '@acme.example',
        'dev ops@acme.example',
        'devops@acme',
        'a@b@c.example',
        'a..b@acme.example',
        '<a@b.example>',
      ]) {
        expect(
          codeOf(() => validateEmail(bad)),
          bad,
        ).to.equal('InvalidEmail');
      }
    });

    it('normalises API versions and enforces each type’s range', () => {
      expect(parseApiVersion('64.0', 'external')).to.deep.equal({ text: '64.0', major: 64 });
      expect(parseApiVersion('61', 'external')).to.deep.equal({ text: '61.0', major: 61 });
      expect(parseApiVersion('60.0', 'external').major).to.equal(60);
      expect(parseApiVersion('55.0', 'connected').major).to.equal(55);
      for (const [v, kind] of [
        ['59.0', 'external'],
        ['58.0', 'external'],
        ['48.0', 'connected'],
        ['68.0', 'external'],
        ['64.5', 'external'],
        ['v64', 'external'],
        ['', 'connected'],
      ] as const) {
        expect(
          codeOf(() => parseApiVersion(v, kind)),
          `${v} ${kind}`,
        ).to.equal('InvalidApiVersion');
      }
    });
  });

  describe('xml', () => {
    it('escapes text and reads it back', () => {
      expect(escapeXml('a<b>&"c\'')).to.equal('a&lt;b&gt;&amp;&quot;c&apos;');
      const doc = metadataDocument('Thing', { label: 'R&D <team> "quoted"', list: ['a', 'b'], nested: { flag: true } });
      expect(doc).to.match(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Thing xmlns="http:\/\/soap.sforce.com\/2006\/04\/metadata">/,
      );
      const root = parseXml(doc);
      expect(root.name).to.equal('Thing');
      expect(childText(root, 'label')).to.equal('R&D <team> "quoted"');
      expect(childTexts(root, 'list')).to.deep.equal(['a', 'b']);
      expect(
        childText(
          root.children.find((c) => c.name === 'nested')!,
          'flag',
        ),
      ).to.equal('true');
    });

    it('refuses control characters XML cannot carry', () => {
      expect(() => escapeXml('a\u0001b')).to.throw(/control character/);
    });

    it('reads CDATA, comments and numeric entities, and rejects broken documents', () => {
      const root = parseXml('<?xml version="1.0"?><!-- c --><a><b><![CDATA[x<y]]></b><c>&#65;&#x42;</c></a>');
      expect(childText(root, 'b')).to.equal('x<y');
      expect(childText(root, 'c')).to.equal('AB');
      expect(() => parseXml('<a><b></a>')).to.throw(/mismatched/);
      expect(() => parseXml('<a>')).to.throw(/unterminated/);
      expect(() => parseXml('<!DOCTYPE x><a/>')).to.throw(/DOCTYPE/);
      expect(() => parseXml('<a>&bogus;</a>')).to.throw(/entity/);
    });
  });
});
