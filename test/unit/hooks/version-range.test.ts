import { expect } from 'chai';
import { satisfies } from '../../../src/hooks/version-range.js';

describe('dependency ranges as npm reads them (src/hooks/version-range.ts)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['9.4.0', '^9.4.0', true],
    ['9.9.1', '^9.4.0', true],
    ['9.3.9', '^9.4.0', false],
    ['10.0.0', '^9.4.0', false],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.9.0', '~1', true],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '=1.2.3', false],
    ['1.7.0', '1.x', true],
    ['2.0.0', '1.x', false],
    ['1.2.7', '1.2.*', true],
    ['5.0.0', '*', true],
    ['5.0.0', '', true],
    ['1.5.0', '>=1.2.0 <2', true],
    ['2.0.0', '>=1.2.0 <2', false],
    ['1.5.0', '>= 1.2.0 < 2.0.0', true],
    ['5.1.0', '^4.0.0 || ^5.0.0', true],
    ['6.0.0', '^4.0.0 || ^5.0.0', false],
    // what this reader does not take answers false: the plugin then keeps its own copy
    ['9.4.0', 'latest', false],
    ['9.4.0', 'file:../core', false],
    ['9.4.0', 'npm:@salesforce/core@^9', false],
    ['9.4.0', '9.0.0 - 10.0.0', false],
    ['9.5.0-beta.1', '^9.4.0', false],
    ['not a version', '*', false],
  ];
  for (const [version, range, expected] of cases) {
    it(`${version} ${expected ? 'satisfies' : 'does not satisfy'} "${range}"`, () => {
      expect(satisfies(version, range)).to.equal(expected);
    });
  }
});
