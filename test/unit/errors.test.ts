/*
 * The error vocabulary itself: every code has a message and at least one action in messages/errors.md, and a name in
 * the sf style (<Code>Error), never doubled for a code that already ends in Error.
 */
import { expect } from 'chai';
import { actionsOf, ERROR_CODES, errorName, jwtError, JwtSetupError } from '../../src/errors.js';

describe('error vocabulary', () => {
  it('every code has a message and actions in messages/errors.md', () => {
    for (const code of ERROR_CODES) {
      const error = jwtError(code, Array.from({ length: 6 }, (_, i) => `token${i}`));
      expect(error, code).to.be.instanceOf(JwtSetupError);
      expect(error.message, code).to.be.a('string').and.not.equal('');
      expect(error.message, `${code} has an unfilled %s`).not.to.match(/%[sd]/);
      expect(actionsOf(code).length, `${code} actions`).to.be.greaterThan(0);
      expect(error.exitCode, code).to.equal(1);
    }
  });

  it('names are <Code>Error, and a code ending in Error is not doubled (NetworkError, OAuthError)', () => {
    for (const code of ERROR_CODES) {
      const { name } = jwtError(code);
      expect(name, code).to.match(/Error$/).and.not.match(/ErrorError$/);
      expect(name, code).to.equal(errorName(code));
    }
    expect(jwtError('NetworkError').name).to.equal('NetworkError');
    expect(jwtError('UserNotApproved').name).to.equal('UserNotApprovedError');
  });
});
