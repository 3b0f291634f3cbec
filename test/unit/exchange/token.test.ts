/*
 * The exchange against the emulator: transient failures (503, maintenance pages, resets) are retried within the
 * attempts allowed; Salesforce's OAuth errors are coded at once; answers are classified as the facts table says.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { classifyOAuthError, parseOAuthError } from '../../../src/exchange/salesforce-errors.js';
import { obtainToken, parseIdUrl, type ObtainTokenInput } from '../../../src/exchange/token.js';
import { startEmulator, type SalesforceEmulator } from '../../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../../emulator/testkit.js';
import { expectCoded, rejection, tokenRequests } from '../../helpers/index.js';

const CLIENT_ID = '3MVG9ExchangeUnitConsumerKey0123456';
const USER = 'ci@acme.com';

describe('exchange/token and salesforce-errors', function () {
  this.timeout(30_000);
  let creds: TestCredentials;
  let emulator: SalesforceEmulator;

  before(async () => {
    creds = await makeCredentials('exchange');
    emulator = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [{ username: USER, permissionSets: ['CI'] }],
    });
  });
  after(async () => {
    await emulator?.stop();
  });
  afterEach(() => emulator.setFaults([]));

  const input = (over: Partial<ObtainTokenInput> = {}): ObtainTokenInput => ({
    loginUrl: new URL(emulator.url),
    audiences: [emulator.url],
    clientId: CLIENT_ID,
    username: USER,
    privateKey: creds.privateKey,
    ...over,
  });
  // The deadline counts from each test, not from when mocha loaded this file (a full run loads it long before).
  const options = (): Parameters<typeof obtainToken>[1] => ({
    deadline: Date.now() + 60_000,
    timeoutSeconds: 10,
    retry: { attempts: 3, baseDelayMs: 10 },
  });

  it('a grant: token, instance, org id from the id URL, and the audience that worked', async () => {
    const obtained = await obtainToken(input(), options());
    expect(obtained.grant.instanceUrl).to.equal(emulator.url);
    expect(obtained.grant.orgId).to.match(/^00D/);
    expect(obtained.audience).to.equal(emulator.url);
    expect(obtained.claims.sub).to.equal(USER);
  });

  for (const kind of ['503', 'html', 'reset'] as const) {
    it(`a transient failure (${kind}) is retried and the login goes through`, async () => {
      const before = tokenRequests(emulator);
      emulator.setFaults([{ kind, path: '/services/oauth2/token', times: 2 }]);
      const obtained = await obtainToken(input(), options());
      expect(obtained.grant.accessToken).to.be.a('string');
      expect(tokenRequests(emulator) - before, 'two failed requests, then the one that worked').to.equal(3);
    });
  }

  it('a key the app does not hold is refused at once as InvalidAssertion, not retried', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const error = await rejection(obtainToken(input({ privateKey: other }), options()));
    expectCoded(error, 'InvalidAssertion');
  });

  it('OAuth error answers are classified as the facts table says', () => {
    const cases: Array<[string, string | undefined, string]> = [
      ['invalid_client_id', 'client identifier invalid', 'ClientIdentifierInvalid'],
      ['invalid_grant', "user hasn't approved this consumer", 'UserNotApproved'],
      ['invalid_grant', 'invalid assertion', 'InvalidAssertion'],
      ['invalid_grant', 'expired authorization code', 'AssertionExpired'],
      ['invalid_grant', 'audience is invalid', 'AudienceInvalid'],
      ['invalid_app_access', 'user is not admin approved to access this app', 'AppAccessDenied'],
      ['something_new', undefined, 'OAuthError'],
    ];
    for (const [error, description, code] of cases) {
      expect(classifyOAuthError({ error, error_description: description }), `${error}: ${description}`).to.equal(code);
    }
    expect(parseOAuthError('<html>maintenance</html>')).to.equal(undefined);
    expect(parseOAuthError('{"error":"invalid_grant","error_description":"x"}')).to.deep.equal({
      error: 'invalid_grant',
      error_description: 'x',
    });
  });

  it('the id URL gives the org and user ids; anything else gives nothing', () => {
    expect(parseIdUrl('https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA')).to.deep.equal({
      orgId: '00D000000000001AAA',
      userId: '005000000000001AAA',
    });
    expect(parseIdUrl('https://login.salesforce.com/other')).to.equal(undefined);
  });
});
