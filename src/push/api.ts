/*
 * The two secret-store APIs as plain JSON over HTTPS: where they are and which token they take come from the
 * variables each platform already sets (GH_TOKEN or GITHUB_TOKEN and GITHUB_API_URL; GITLAB_TOKEN and CI_API_V4_URL),
 * and every request goes through the token exchange's HTTP client (src/exchange/http.ts), so the proxy variables,
 * NODE_EXTRA_CA_CERTS and the rule "https only, plain http for loopback hosts" hold here too.
 *
 * The token lives in a private class field: it never reaches a result, an event, an error or a log.
 */
import { bounded, jwtError, reason } from '../errors.js';
import { httpRequest, TransportFailure, type HttpResponse } from '../exchange/http.js';
import { isLoopbackHost } from '../jwt/endpoint.js';
import type { Platform } from './targets.js';

export type ApiSettings = {
  platform: Platform;
  /** The API base, without a trailing slash. */
  base: string;
  /** Where the base came from: the variable, or the default. */
  baseSource: string;
  /** The variable that held the token. */
  tokenVariable: string;
};

const DEFAULTS: Record<Platform, { base: string; baseVariable: string; tokenVariables: string[] }> = {
  github: {
    base: 'https://api.github.com',
    baseVariable: 'GITHUB_API_URL',
    tokenVariables: ['GH_TOKEN', 'GITHUB_TOKEN'],
  },
  gitlab: { base: 'https://gitlab.com/api/v4', baseVariable: 'CI_API_V4_URL', tokenVariables: ['GITLAB_TOKEN'] },
};

export const PLATFORM_NAMES: Record<Platform, string> = { github: 'GitHub', gitlab: 'GitLab' };

/** The token and API base of `platform` from `env`; PushTokenMissing or PushApiFailed when unusable. */
export function apiClientFor(platform: Platform, env: NodeJS.ProcessEnv, forTarget: string): ApiClient {
  const d = DEFAULTS[platform];
  const tokenVariable = d.tokenVariables.find((v) => (env[v] ?? '').trim() !== '');
  if (!tokenVariable) {
    throw jwtError(
      'PushTokenMissing',
      [forTarget, reason(`push.tokens.${platform}`)],
      [reason(`push.fix.token.${platform}`)],
    );
  }
  const given = (env[d.baseVariable] ?? '').trim();
  const baseText = given || d.base;
  let url: URL;
  try {
    url = new URL(baseText);
  } catch {
    throw jwtError('PushApiFailed', [PLATFORM_NAMES[platform], baseText, reason('push.api.invalid')], [d.baseVariable]);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    const why = url.protocol === 'http:' ? reason('push.api.insecure') : reason('push.api.invalid');
    throw jwtError('PushApiFailed', [PLATFORM_NAMES[platform], baseText, why], [d.baseVariable]);
  }
  const settings: ApiSettings = {
    platform,
    base: url.href.replace(/\/+$/, ''),
    baseSource: given ? d.baseVariable : 'default',
    tokenVariable,
  };
  return new ApiClient(settings, (env[tokenVariable] ?? '').trim());
}

export type ApiAnswer = { status: number; body: unknown; headers: HttpResponse['headers'] };

/** The API could not be reached, or answered with something that is not its JSON. */
export class ApiUnreachable extends Error {
  public constructor(detail: string) {
    super(detail);
    this.name = 'ApiUnreachable';
  }
}

const TIMEOUT_MS = 30_000;
const IDLE_MS = 20_000;
const RETRY_DELAYS_MS = [1000, 3000];
const RETRY_STATUS = new Set([502, 503, 504]);

export type ApiCall = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base, each segment already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
};

export class ApiClient {
  readonly #token: string;

  public constructor(
    public readonly settings: ApiSettings,
    token: string,
  ) {
    this.#token = token;
  }

  public get host(): string {
    return new URL(this.settings.base).host;
  }

  /** One call, retried (idempotent methods only) after a network fault or a 502/503/504. */
  public async call(call: ApiCall, retryDelays = RETRY_DELAYS_MS): Promise<ApiAnswer> {
    const url = new URL(`${this.settings.base}${call.path}`);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> =
      this.settings.platform === 'github'
        ? {
            Accept: 'application/vnd.github+json',
            Authorization: `Bearer ${this.#token}`,
            'X-GitHub-Api-Version': '2022-11-28',
          }
        : { Accept: 'application/json', 'PRIVATE-TOKEN': this.#token };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    const body = call.body !== undefined ? JSON.stringify(call.body) : undefined;
    const retries = call.method === 'POST' ? [] : retryDelays;
    for (let attempt = 0; ; attempt++) {
      let response: HttpResponse | undefined;
      let failure: string;
      try {
        // eslint-disable-next-line no-await-in-loop
        response = await httpRequest({
          method: call.method,
          url,
          headers,
          body,
          deadline: Date.now() + TIMEOUT_MS,
          idleMs: IDLE_MS,
        });
        failure = reason('push.api.status', [response.status, statusText(response)]);
      } catch (error) {
        if (!(error instanceof TransportFailure)) throw error;
        failure = error.message;
      }
      if (response && !RETRY_STATUS.has(response.status)) return parse(response);
      if (attempt >= retries.length) {
        if (response) return parse(response);
        throw new ApiUnreachable(failure);
      }
      // eslint-disable-next-line no-await-in-loop
      await new Promise((r) => setTimeout(r, retries[attempt]));
    }
  }
}

function parse(response: HttpResponse): ApiAnswer {
  if (response.status === 204 || response.body.trim() === '') {
    return { status: response.status, body: undefined, headers: response.headers };
  }
  try {
    return { status: response.status, body: JSON.parse(response.body) as unknown, headers: response.headers };
  } catch {
    throw new ApiUnreachable(reason('push.api.notJson', [response.status]));
  }
}

function statusText(response: HttpResponse): string {
  return apiMessage({ status: response.status, body: safeJson(response.body), headers: response.headers });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The platform's own words about an answer: GitHub's `message` ("Bad credentials"), GitLab's `message` (a string, or
 * field -> problems) or `error`. Bounded and one line; these never hold a value or a token.
 */
export function apiMessage(answer: ApiAnswer): string {
  const body = answer.body as { message?: unknown; error?: unknown } | undefined;
  let text: string;
  if (body && typeof body.message === 'string') text = body.message;
  else if (body?.message && typeof body.message === 'object') {
    text = Object.entries(body.message as Record<string, unknown>)
      .map(([field, problems]) => `${field} ${Array.isArray(problems) ? problems.join(', ') : String(problems)}`)
      .join('; ');
  } else if (body && typeof body.error === 'string') text = body.error;
  else text = `HTTP ${answer.status}`;
  return bounded(text.replace(/\s+/g, ' ').trim());
}
