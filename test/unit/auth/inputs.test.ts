/* The login inputs, each resolved on its own: what is accepted, trimmed or refused, and with which code. */
import { expect } from 'chai';
import {
  resolveAudiences,
  resolveClientId,
  resolveKeyInput,
  resolveLoginUrl,
  resolveUsername,
} from '../../../src/auth/inputs.js';
import { expectCoded, thrown } from '../../helpers/index.js';

describe('auth/inputs', () => {
  it('the consumer key is trimmed; missing, blank, inner whitespace and control characters are refused', () => {
    expect(resolveClientId({ clientId: '  3MVG9abc  ' })).to.equal('3MVG9abc');
    expectCoded(
      thrown(() => resolveClientId({})),
      'MissingClientId',
    );
    expectCoded(
      thrown(() => resolveClientId({ clientId: '   ' })),
      'MissingClientId',
    );
    expectCoded(
      thrown(() => resolveClientId({ clientId: '3MVG9 abc' })),
      'InvalidClientId',
    );
  });

  it('the username needs a domain, no path characters, at most 80 characters', () => {
    expect(resolveUsername({ username: ' ci@acme.com ' })).to.equal('ci@acme.com');
    expectCoded(
      thrown(() => resolveUsername({})),
      'MissingUsername',
    );
    for (const bad of ['ci', 'ci@acme.com/../x', '../ci@acme.com', `${'a'.repeat(80)}@acme.com`, 'ci\n@acme.com']) {
      expectCoded(
        thrown(() => resolveUsername({ username: bad })),
        'InvalidUsername',
      );
    }
  });

  it('a key variable: named and unset, or set but blank, is KeyEnvUnset naming it; no key at all is KeySourceMissing', () => {
    expect(resolveKeyInput({ key: { env: 'K' } }, { K: 'pem' })).to.deep.equal({ env: 'K' });
    const named = thrown(() => resolveKeyInput({ key: { env: 'K' }, keyEnvNamed: true }, {}));
    expectCoded(named, 'KeyEnvUnset');
    expect(named.message).to.include('K');
    expectCoded(
      thrown(() => resolveKeyInput({ key: { env: 'K' } }, { K: '  ' })),
      'KeyEnvUnset',
    );
    expectCoded(
      thrown(() => resolveKeyInput({ key: { env: 'K' } }, {})),
      'KeySourceMissing',
    );
    expectCoded(
      thrown(() => resolveKeyInput({}, {})),
      'KeySourceMissing',
    );
  });

  it('the login URL: the flag first, then --sandbox, then the default; the token endpoint is taken back to its host with a notice; a Lightning URL is refused', () => {
    expect(
      resolveLoginUrl({ instanceUrl: { value: 'https://acme.my.salesforce.com', source: 'flag' } }).source,
    ).to.equal('flag');
    expect(resolveLoginUrl({ sandbox: true }, '/').url.host).to.equal('test.salesforce.com');
    expect(resolveLoginUrl({}, '/').url.host).to.equal('login.salesforce.com');
    const tokenEndpoint = resolveLoginUrl({
      instanceUrl: { value: 'https://acme.my.salesforce.com/services/oauth2/token', source: 'flag' },
    });
    expect(tokenEndpoint.url.href).to.equal('https://acme.my.salesforce.com/');
    expect(tokenEndpoint.notice).to.be.a('string');
    const lightning = thrown(() =>
      resolveLoginUrl({
        instanceUrl: { value: 'https://acme.lightning.force.com/lightning/page/home', source: 'flag' },
      }),
    );
    expectCoded(lightning, 'LightningUrl');
  });

  it('audiences: an explicit one must be a URL and is marked explicit; otherwise the host decides', () => {
    const url = new URL('https://acme.my.salesforce.com');
    expect(resolveAudiences({}, url).explicit).to.equal(false);
    expect(resolveAudiences({ audience: 'https://test.salesforce.com' }, url)).to.include({ explicit: true });
    expectCoded(
      thrown(() => resolveAudiences({ audience: 'not a url' }, url)),
      'InvalidUrl',
    );
  });
});
