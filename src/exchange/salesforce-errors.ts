/*
 * Salesforce's OAuth error answers, as data: what each (error, error_description) means, which coded error it
 * becomes, and whether it can be a propagation delay worth waiting out. Doctor ranks causes from the same table.
 */
import { jwtError, type ErrorCode, type JwtSetupError } from '../errors.js';
import { shellArg } from '../util/shell.js';

export type OAuthErrorBody = { error: string; error_description?: string };

export type OAuthErrorContext = { host: string; audience: string; username: string; clientId: string };

/** The coded error an OAuth error answer means (the facts table, section 1). */
export function classifyOAuthError(body: OAuthErrorBody): ErrorCode {
  const error = body.error.toLowerCase();
  const description = (body.error_description ?? '').toLowerCase();
  if (error === 'invalid_client_id' || error === 'invalid_client') return 'ClientIdentifierInvalid';
  if (error === 'invalid_app_access') return 'AppAccessDenied';
  if (error === 'app_not_found' || description.includes('not installed')) return 'AppNotInstalled';
  if (error === 'unsupported_grant_type') return 'UnsupportedGrantType';
  if (error === 'invalid_grant') {
    if (description.includes('approved')) return 'UserNotApproved';
    if (description.includes('audience')) return 'AudienceInvalid';
    if (description.includes('expired')) return 'AssertionExpired';
    if (description.includes('inactive') || description.includes('frozen')) return 'InactiveUser';
    if (description.includes('ip restricted') || description.includes('ip range')) return 'IpRestricted';
    if (description.includes('invalid assertion') || description.includes('signature')) return 'InvalidAssertion';
  }
  return 'OAuthError';
}

/** The coded error for an OAuth error answer, with the context that makes its fix concrete. */
export function oauthError(body: OAuthErrorBody, context: OAuthErrorContext): JwtSetupError {
  const description = body.error_description ?? '';
  const code = classifyOAuthError(body);
  switch (code) {
    case 'UserNotApproved':
      return jwtError(
        code,
        [context.host, context.username],
        Array.from({ length: 5 }, () => shellArg(context.username)),
      );
    case 'AudienceInvalid':
      return jwtError(code, [context.host, context.audience]);
    case 'InvalidAssertion':
    case 'AssertionExpired':
      return jwtError(code, [context.host]);
    case 'InactiveUser':
      return jwtError(code, [context.host, description, context.username]);
    case 'IpRestricted':
      return jwtError(code, [context.host, description]);
    case 'ClientIdentifierInvalid':
      return jwtError(code, [context.host, context.clientId]);
    case 'AppAccessDenied':
    case 'UnsupportedGrantType':
      return jwtError(code, [context.host, description]);
    case 'AppNotInstalled':
      return jwtError(code, [context.host, body.error, description]);
    default:
      return jwtError('OAuthError', [context.host, body.error, description]);
  }
}

/** Parse an OAuth error body; undefined when the answer is not one. */
export function parseOAuthError(text: string): OAuthErrorBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && typeof (value as { error?: unknown }).error === 'string') {
      const description = (value as { error_description?: unknown }).error_description;
      return {
        error: (value as { error: string }).error.slice(0, 200),
        error_description: typeof description === 'string' ? description.slice(0, 500) : undefined,
      };
    }
  } catch {
    // not JSON
  }
  return undefined;
}
