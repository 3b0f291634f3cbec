/*
 * A login target from values a workflow already holds (the consumer key it deploys, the user it admits, the org's
 * login URL), validated as login's inputs are, for loginWithKey: no flags, no key source, no credentials shape.
 */
import { audienceCandidates, parseLoginUrl } from '../jwt/endpoint.js';
import { resolveClientId, resolveUsername } from './inputs.js';
import type { LoginTarget } from './login-with-key.js';

export function loginTarget(values: {
  clientId: string;
  username: string;
  loginUrl: string;
  sandbox: boolean;
}): LoginTarget {
  const loginUrl = parseLoginUrl(values.loginUrl);
  return {
    clientId: resolveClientId({ clientId: values.clientId }),
    username: resolveUsername({ username: values.username }),
    loginUrl,
    audiences: audienceCandidates(loginUrl, { sandbox: values.sandbox }),
  };
}
