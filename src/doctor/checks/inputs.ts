/*
 * The inputs: the --target-org auth that fills them, the login host, and the consumer key, username and audience
 * when they cannot be used at all (their shape is the claims group's).
 */
import { fail, failFromError, pass, warn, type Check } from '../../checks/check.js';
import { baseUrlText } from '../../jwt/endpoint.js';
import type { CheckGroup } from '../context.js';
import { m } from '../messages.js';

/** --target-org: a registered org that is missing or cannot be read. */
export const target: CheckGroup = {
  name: 'target',
  needs: [],
  skipped: () => [],
  run: (context) => {
    const org = context.options.targetOrg;
    if (!org) return Promise.resolve([]);
    if (context.stored?.error)
      return Promise.resolve([failFromError('stored-auth', m('stored.title'), context.stored.error)]);
    if (!context.stored?.value) {
      return Promise.resolve([
        fail('stored-auth', m('stored.title'), m('stored.notFound', [org]), m('stored.notFoundFix')),
      ]);
    }
    return Promise.resolve([]);
  },
};

export const inputs: CheckGroup = {
  name: 'inputs',
  needs: [],
  skipped: () => [],
  run: (context) => {
    const checks: Check[] = [];
    const { clientId, username, loginUrl, audiences } = context;
    if (clientId.error) checks.push(failFromError('claims.iss', m('input.clientId'), clientId.error));
    if (username.error) checks.push(failFromError('claims.sub', m('input.username'), username.error));
    if (loginUrl.error) checks.push(failFromError('endpoint.url', m('endpoint.urlTitle'), loginUrl.error));
    else if (audiences?.error) checks.push(failFromError('claims.aud', m('input.audience'), audiences.error));
    else if (loginUrl.value) {
      const fromStore = context.credentials.instanceUrl?.source === 'store';
      const origin = fromStore ? m('endpoint.fromStore', [context.options.targetOrg ?? '']) : loginUrl.value.source;
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
    return Promise.resolve(checks);
  },
};
