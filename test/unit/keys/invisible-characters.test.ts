/*
 * keygen --name and --subject refuse what can make a name display as something else: Unicode bidi overrides and
 * isolates, zero-width and other format characters (category Cf), line separators, and C1 controls, as control
 * characters already are (issue 19 #12). Messages that quote such a value show it escaped.
 */
import { expect } from 'chai';
import { bounded } from '../../../src/errors.js';
import { validateKeygenOptions, type KeygenOptions } from '../../../src/keys/keygen.js';
import { parseSubject } from '../../../src/keys/subject.js';
import { expectCoded, thrown } from '../../helpers/index.js';

const INVISIBLE = [
  ['U+202E right-to-left override', '\u202e'],
  ['U+2066 left-to-right isolate', '\u2066'],
  ['U+200B zero width space', '\u200b'],
  ['U+200E left-to-right mark', '\u200e'],
  ['U+FEFF zero width no-break space', '\ufeff'],
  ['U+00AD soft hyphen', '\u00ad'],
  ['U+2028 line separator', '\u2028'],
  ['U+0085 next line (C1 control)', '\u0085'],
] as const;

const options = (over: Partial<KeygenOptions>): KeygenOptions => ({
  name: 'server',
  outputDir: '.',
  keySize: 2048,
  days: 365,
  force: false,
  ...over,
});

describe('keygen names and subjects: invisible and reordering characters (issue 19 #12)', () => {
  for (const [label, char] of INVISIBLE) {
    it(`--name with ${label} is InvalidFileName`, () => {
      expectCoded(
        thrown(() => validateKeygenOptions(options({ name: `yek${char}.server` }))),
        'InvalidFileName',
      );
    });

    it(`--subject with ${label} is InvalidSubject`, () => {
      const error = thrown(() => parseSubject(`CN=ci${char}deploy`));
      expectCoded(error, 'InvalidSubject');
      expect(error.message).to.match(/control or formatting character/);
    });
  }

  it('letters of any script, and spaces, are still accepted', () => {
    validateKeygenOptions(options({ name: 'clé-ключ-鍵' }));
    expect(parseSubject('CN=Zoë Ünal, O=Société Générale')).to.have.length(2);
  });

  it('a message quoting such a value shows it escaped, so it cannot reorder or hide the text around it', () => {
    expect(bounded('a\u202eb')).to.equal('"a\\u202eb"');
    expect(bounded('a\u200bb')).to.equal('"a\\u200bb"');
    expect(bounded('a\nb')).to.equal('"a\\nb"');
    expect(bounded('plain')).to.equal('plain');
  });
});
