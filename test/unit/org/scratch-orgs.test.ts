/*
 * The scratch login URL as sfdx-core derives it (scratchOrgInfoApi.ts getOrgInstanceAuthority + authorizeScratchOrg's
 * LoginUrl retry), and the causes of signup error codes.
 */
import { expect } from 'chai';
import { signupLoginUrls } from '../../../src/org/scratch-orgs.js';
import { SIGNUP_ERROR_CODES_URL, signupErrorCause } from '../../../src/org/signup-errors.js';

describe('org/scratch-orgs: the scratch login URL', () => {
  const loginUrl = 'https://acme-dev-ed.scratch.my.salesforce.com';

  it('the project signupTargetLoginUrl first, then LoginUrl', () => {
    expect(signupLoginUrls({ signupInstance: 'CS42', loginUrl }, 'https://test.salesforce.com')).to.deep.equal([
      'https://test.salesforce.com',
      loginUrl,
    ]);
  });

  it('an instance name that is a host: https://<instance>.salesforce.com, then LoginUrl', () => {
    expect(signupLoginUrls({ signupInstance: 'CS42', loginUrl })).to.deep.equal([
      'https://CS42.salesforce.com',
      loginUrl,
    ]);
  });

  it('an instance name ending in s (Hyperforce/Falcon) is not a host: LoginUrl only', () => {
    expect(signupLoginUrls({ signupInstance: 'USA660S', loginUrl })).to.deep.equal([loginUrl]);
    expect(signupLoginUrls({ signupInstance: 'usa2s', loginUrl })).to.deep.equal([loginUrl]);
  });

  it('no instance: LoginUrl; nothing at all: no URL', () => {
    expect(signupLoginUrls({ loginUrl })).to.deep.equal([loginUrl]);
    expect(signupLoginUrls({})).to.deep.equal([]);
  });
});

describe('org/signup-errors', () => {
  it('C-1016 names the Connected App, the External Client App and the certificate', () => {
    const cause = signupErrorCause('C-1016');
    expect(cause).to.contain('Connected App');
    expect(cause).to.contain('External Client App');
    expect(cause).to.contain('certificate');
    // a message token is cut at 200 characters: the cause must fit whole
    expect(cause.length).to.be.at.most(200);
  });

  it('an unknown code points to Salesforce list', () => {
    expect(signupErrorCause('X-0001')).to.contain('X-0001').and.contain(SIGNUP_ERROR_CODES_URL);
  });
});
