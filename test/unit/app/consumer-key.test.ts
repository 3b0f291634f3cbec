/*
 * The consumer key's one order (the flag, the org's app, the local metadata) and ConsumerKeyConflict when two places
 * know different keys.
 */
import { expect } from 'chai';
import { resolveConsumerKey } from '../../../src/app/consumer-key.js';
import { isJwtSetupError } from '../../../src/errors.js';

const FLAG = { value: '3MVG9FlagKey000001', name: '--client-id' };

describe('app: resolveConsumerKey', () => {
  it('takes the first place that knows the key: the flag, then the org, then the local metadata', () => {
    expect(resolveConsumerKey({ app: 'A', flag: FLAG, org: FLAG.value })).to.deep.equal({
      consumerKey: FLAG.value,
      source: 'flag',
    });
    expect(
      resolveConsumerKey({ app: 'A', org: 'OrgKey0001', local: { value: 'OrgKey0001', where: '/p' } }),
    ).to.deep.equal({
      consumerKey: 'OrgKey0001',
      source: 'org',
    });
    expect(resolveConsumerKey({ app: 'A', local: { value: 'LocalKey01', where: '/p' } })).to.deep.equal({
      consumerKey: 'LocalKey01',
      source: 'local',
    });
    expect(resolveConsumerKey({ app: 'A' })).to.equal(undefined);
  });

  for (const [what, inputs] of [
    ['the flag and the org', { flag: FLAG, org: 'OrgKey0001' }],
    ['the org and the local metadata', { org: 'OrgKey0001', local: { value: 'LocalKey01', where: '/proj' } }],
    ['the flag and the local metadata', { flag: FLAG, local: { value: 'LocalKey01', where: '/proj' } }],
  ] as const) {
    it(`${what} disagreeing is ConsumerKeyConflict, naming both`, () => {
      let thrown: unknown;
      try {
        resolveConsumerKey({ app: 'CI_App', ...inputs });
      } catch (error) {
        thrown = error;
      }
      expect(isJwtSetupError(thrown, 'ConsumerKeyConflict'), String(thrown)).to.equal(true);
      const message = (thrown as Error).message;
      const values = Object.values(inputs).map((v: string | { value: string }) =>
        typeof v === 'string' ? v : v.value,
      );
      for (const value of values) expect(message).to.include(value);
      expect(message).to.include('CI_App');
    });
  }
});
