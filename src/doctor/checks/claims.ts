/* The claims doctor would send, judged by the same rules as `assertion --check`. */
import { CLAIM_CHECK_IDS, type ClaimCheckId } from '../../report/ids.js';
import { buildClaims } from '../../jwt/assertion.js';
import { checkClaims } from '../../jwt/rules.js';
import { defineGroup } from '../group.js';

/** The claims' checks are the assertion rules' own (src/report/ids.ts): `assertion --check` reports them too. */
export const CLAIMS_CHECK_IDS = CLAIM_CHECK_IDS;
export type ClaimsCheckId = ClaimCheckId;

export const claims = defineGroup({
  name: 'claims',
  ids: CLAIMS_CHECK_IDS,
  requires: ['claims-inputs'],
  needs: [],
  provides: ['claims'],
  skipped: () => [],
  run(inputs) {
    const { clientId, username, loginUrl, audiences } = inputs;
    const built = buildClaims({
      clientId: clientId.value!,
      username: username.value!,
      audience: audiences!.value!.audiences[0],
    });
    const checks = checkClaims(built, {
      loginUrl: loginUrl.value!.url,
      sandbox: inputs.credentials.sandbox,
      audienceExplicit: audiences!.value!.explicit,
    });
    return Promise.resolve({ checks, facts: { claims: built } });
  },
});
