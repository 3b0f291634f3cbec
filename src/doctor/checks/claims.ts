/* The claims doctor would send, judged by the same rules as `assertion --check`. */
import { buildClaims } from '../../jwt/assertion.js';
import { checkClaims } from '../../jwt/rules.js';
import type { CheckGroup } from '../context.js';

export const claims: CheckGroup = {
  name: 'claims',
  needs: ['claims-inputs'],
  skipped: () => [],
  run(context) {
    const { clientId, username, loginUrl, audiences } = context;
    const built = buildClaims({
      clientId: clientId.value!,
      username: username.value!,
      audience: audiences!.value!.audiences[0],
    });
    context.claims = built;
    return Promise.resolve(
      checkClaims(built, {
        loginUrl: loginUrl.value!.url,
        sandbox: context.credentials.sandbox,
        audienceExplicit: audiences!.value!.explicit,
      }),
    );
  },
};
