/*
 * The hub.* checks that need no org: the order of recent signup failures, the variables, the app kind with an old
 * core, and the version comparison behind it.
 */
import { expect } from 'chai';
import { appKindCheck, envCheck, signupErrorsCheck } from '../../../src/doctor/checks/hub.js';
import type { OrgApp } from '../../../src/org/apps.js';
import { versionBefore } from '../../../src/util/sf-core.js';

const eca = { name: 'CI_ECA', kind: 'external', consumerKey: 'K' } as unknown as OrgApp;
const found = { app: eca, apps: [eca], keysWithheld: false, adminOrg: 'admin' };

describe('doctor hub.* checks (no org)', () => {
  it('hub.signup-errors: a warning listing C-1016 first, then newest first; none is a pass', () => {
    const check = signupErrorsCheck([
      { id: '1', status: 'Error', signupUsername: 'a@x', errorCode: 'S-1018', createdDate: '2026-01-03' },
      { id: '2', status: 'Error', signupUsername: 'b@x', errorCode: 'C-1016', createdDate: '2026-01-02' },
    ]);
    expect(check.status).to.equal('warn');
    expect(check.detail.indexOf('C-1016')).to.be.lessThan(check.detail.indexOf('S-1018'));
    expect(signupErrorsCheck([]).status).to.equal('pass');
  });

  it('hub.env: SFDX_CLIENT_SECRET or SF_SCRATCH_SIGNUP_CONNECTED_APP warns; neither passes', () => {
    expect(envCheck({ SFDX_CLIENT_SECRET: 's' }).status).to.equal('warn');
    expect(envCheck({ SF_SCRATCH_SIGNUP_CONNECTED_APP: 'PlatformCLI' }).detail).to.contain(
      'SF_SCRATCH_SIGNUP_CONNECTED_APP',
    );
    expect(envCheck({ SF_SCRATCH_SIGNUP_CONNECTED_APP: '' }).status).to.equal('pass');
  });

  it('hub.app-kind: an ECA fails with the stop-gap; a core older than 9.1.0 is named in the fix', () => {
    const current = appKindCheck(found, 'K', '9.4.0');
    expect(current.status).to.equal('fail');
    expect(current.fix).to.contain('SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI');
    expect(current.fix).to.not.contain('older than 9.1.0');
    expect(appKindCheck(found, 'K', '9.0.2').fix)
      .to.contain('9.0.2')
      .and.contain('older than 9.1.0');
    const ca = { ...eca, kind: 'connected' } as OrgApp;
    expect(appKindCheck({ ...found, app: ca, apps: [ca] }, 'K', '9.0.2').status).to.equal('pass');
  });

  it('versionBefore compares numerically', () => {
    expect(versionBefore('9.0.10', '9.1.0')).to.equal(true);
    expect(versionBefore('9.10.0', '9.1.0')).to.equal(false);
    expect(versionBefore('9.1.0', '9.1.0')).to.equal(false);
    expect(versionBefore('8.99.99', '9.1.0')).to.equal(true);
  });
});
