/*
 * The error vocabulary itself: every code has a message and at least one action in messages/errors.md, and a name in
 * the sf style (<Code>Error), never doubled for a code that already ends in Error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  actionsOf,
  ERROR_CODES,
  errorName,
  isAudienceRefusal,
  isPropagationRefusal,
  jwtError,
  JwtSetupError,
} from '../../src/errors.js';
import { ROOT } from '../helpers/index.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('error vocabulary', () => {
  it('every code has a message and actions in messages/errors.md', () => {
    for (const code of ERROR_CODES) {
      const error = jwtError(
        code,
        Array.from({ length: 6 }, (_, i) => `token${i}`),
      );
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
      expect(name, code)
        .to.match(/Error$/)
        .and.not.match(/ErrorError$/);
      expect(name, code).to.equal(errorName(code));
    }
    expect(jwtError('NetworkError').name).to.equal('NetworkError');
    expect(jwtError('UserNotApproved').name).to.equal('UserNotApprovedError');
  });

  it('every code is raised somewhere in src/ (no dead codes)', () => {
    const text = sources(join(ROOT, 'src'))
      .filter((f) => f !== join(ROOT, 'src', 'errors.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = ERROR_CODES.filter((code) => !text.includes(`'${code}'`));
    expect(unused).to.deep.equal([]);
  });

  it('an action list that takes tokens has a specifier in every bullet, so core never logs about unused tokens', () => {
    for (const code of ERROR_CODES) {
      const bullets = actionsOf(code);
      const raw = actionsOf(code, []);
      const withSpecifier = raw.filter((b) => /%[sdifjoO]/.test(b));
      if (withSpecifier.length > 0)
        expect(withSpecifier.length, `${code}: ${JSON.stringify(raw)}`).to.equal(bullets.length);
    }
  });

  it('the table says which refusals propagate and which may pass at another audience', () => {
    expect(ERROR_CODES.filter(isPropagationRefusal).sort()).to.deep.equal(
      ['AppNotInstalled', 'ClientIdentifierInvalid', 'UserNotApproved'].sort(),
    );
    expect(ERROR_CODES.filter(isAudienceRefusal).sort()).to.deep.equal(['AppNotInstalled', 'AudienceInvalid']);
  });
});
