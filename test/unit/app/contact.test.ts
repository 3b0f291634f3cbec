/*
 * The app's contact email when --contact-email is not given: $EMAIL (or the git author's), else the git user's,
 * else a visibly invalid placeholder with a warning. The command never fails for want of it.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { defaultContactEmail, planApp, PLACEHOLDER_CONTACT_EMAIL } from '../../../src/app/generate.js';
import { keygen } from '../../../src/keys/keygen.js';
import { tempDir } from '../../helpers/index.js';

describe('app contact email default', () => {
  it('prefers $EMAIL, then the git author variables', () => {
    expect(defaultContactEmail({ EMAIL: 'team@acme.com', GIT_AUTHOR_EMAIL: 'me@acme.com' })).to.equal('team@acme.com');
    expect(defaultContactEmail({ GIT_AUTHOR_EMAIL: 'me@acme.com' })).to.equal('me@acme.com');
  });

  it('ignores a malformed $EMAIL', () => {
    const found = defaultContactEmail({ EMAIL: 'not an email' });
    expect(found === undefined || found.includes('@')).to.equal(true);
    expect(found).to.not.equal('not an email');
  });

  it('plans an app without --contact-email: the default if one is known, else the placeholder and a warning', async () => {
    const dir = await tempDir('sfjwt-contact-');
    const keys = await keygen({ outputDir: dir, name: 'server', keySize: 2048, days: 30, force: false });
    const plan = await planApp({
      name: 'CI_Deploy',
      certificateFile: keys.certificateFile,
      outputDir: join(dir, 'out'),
    });
    const known = defaultContactEmail();
    if (known) {
      expect(plan.spec.contactEmail).to.equal(known);
      expect(plan.warnings.map((w) => w.code)).to.not.include('placeholderContactEmail');
    } else {
      expect(plan.spec.contactEmail).to.equal(PLACEHOLDER_CONTACT_EMAIL);
      expect(plan.warnings.map((w) => w.code)).to.include('placeholderContactEmail');
    }
    const withFlag = await planApp({
      name: 'CI_Deploy',
      certificateFile: keys.certificateFile,
      outputDir: join(dir, 'out'),
      contactEmail: 'devops@acme.com',
    });
    expect(withFlag.spec.contactEmail).to.equal('devops@acme.com');
    expect(withFlag.warnings.map((w) => w.code)).to.not.include('placeholderContactEmail');
  });
});
