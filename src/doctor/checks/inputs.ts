/*
 * The inputs: the --target-org auth that fills them, the login host, and the consumer key, username and audience
 * when they cannot be used at all (their shape is the claims group's).
 */
import { fail, failFromError, pass, warn, type Check } from '../../report/check.js';
import { baseUrlText } from '../../jwt/endpoint.js';
import { defineGroup } from '../group.js';
import { m } from '../messages.js';

export const TARGET_CHECK_IDS = ['stored-auth'] as const;
export type TargetCheckId = (typeof TARGET_CHECK_IDS)[number];

export const INPUT_CHECK_IDS = ['claims.iss', 'claims.sub', 'endpoint.url', 'claims.aud'] as const;
export type InputCheckId = (typeof INPUT_CHECK_IDS)[number];

/** --target-org: a registered org that is missing or cannot be read. */
export const target = defineGroup({
  name: 'target',
  ids: TARGET_CHECK_IDS,
  requires: [],
  needs: [],
  provides: [],
  skipped: () => [],
  run: (inputs) => {
    const org = inputs.options.targetOrg;
    if (!org) return Promise.resolve({ checks: [] });
    if (inputs.stored?.error)
      return Promise.resolve({ checks: [failFromError('stored-auth', m('stored.title'), inputs.stored.error)] });
    if (!inputs.stored?.value) {
      return Promise.resolve({
        checks: [fail('stored-auth', m('stored.title'), m('stored.notFound', [org]), m('stored.notFoundFix'))],
      });
    }
    return Promise.resolve({ checks: [] });
  },
});

export const inputs = defineGroup({
  name: 'inputs',
  ids: INPUT_CHECK_IDS,
  requires: [],
  needs: [],
  provides: [],
  skipped: () => [],
  run: (read) => {
    const checks: Array<Check<InputCheckId>> = [];
    const { clientId, username, loginUrl, audiences } = read;
    if (clientId.error) checks.push(failFromError('claims.iss', m('input.clientId'), clientId.error));
    if (username.error) checks.push(failFromError('claims.sub', m('input.username'), username.error));
    if (loginUrl.error) checks.push(failFromError('endpoint.url', m('endpoint.urlTitle'), loginUrl.error));
    else if (audiences?.error) checks.push(failFromError('claims.aud', m('input.audience'), audiences.error));
    else if (loginUrl.value) {
      const fromStore = read.credentials.instanceUrl?.source === 'store';
      const origin = fromStore ? m('endpoint.fromStore', [read.options.targetOrg ?? '']) : loginUrl.value.source;
      checks.push(
        loginUrl.value.notice
          ? warn('endpoint.url', m('endpoint.urlTitle'), loginUrl.value.notice, m('endpoint.oauthEndpointFix'))
          : pass(
              'endpoint.url',
              m('endpoint.urlTitle'),
              m('endpoint.urlPass', [baseUrlText(loginUrl.value.url), origin]),
            ),
      );
    }
    return Promise.resolve({ checks });
  },
});
