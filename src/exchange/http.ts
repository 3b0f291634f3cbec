/*
 * A small HTTP(S) client: one request, a hard deadline (connect, headers and body), a body size cap. TLS is always
 * verified; extra CAs come from NODE_EXTRA_CA_CERTS as everywhere in Node. Failures are TransportFailure values that
 * the callers turn into coded errors naming the host.
 */
import { request as httpRequestRaw, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { reason } from '../errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export type HttpResponse = { status: number; headers: IncomingHttpHeaders; body: string };

export type HttpRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
  /** Absolute time (ms since the epoch) by which the whole answer must have arrived. */
  deadline: number;
  /** Give up when the connection is silent this long (no connect, no bytes): a hung server, not a slow one. */
  idleMs?: number;
  maxBytes?: number;
};

export class TransportFailure extends Error {
  public constructor(
    public readonly kind: 'network' | 'timeout' | 'idle' | 'too-large',
    detail: string,
  ) {
    super(detail);
    this.name = 'TransportFailure';
  }
}

const USER_AGENT = 'sf-jwt-setup';

/**
 * The proxy for an https URL, from HTTPS_PROXY / https_proxy (or ALL_PROXY), honouring NO_PROXY, as the sf CLI's
 * own HTTP stack does. TLS to the target is still verified end to end through the CONNECT tunnel. Loaded only when a
 * proxy is configured.
 */
async function proxyAgent(url: URL): Promise<Agent | undefined> {
  if (url.protocol !== 'https:') return undefined; // plain http is for loopback hosts only
  const env = process.env;
  if (!(env.HTTPS_PROXY ?? env.https_proxy ?? env.ALL_PROXY ?? env.all_proxy)) return undefined;
  const { getProxyForUrl } = await import('proxy-from-env');
  const proxy = getProxyForUrl(url.href);
  if (!proxy) return undefined;
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  return new HttpsProxyAgent(proxy) as unknown as Agent;
}

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const remaining = req.deadline - Date.now();
  if (remaining <= 0) throw new TransportFailure('timeout', reason('http.noTimeLeft'));
  const maxBytes = req.maxBytes ?? MAX_BODY_BYTES;
  const send = req.url.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  const agent = await proxyAgent(req.url);
  return new Promise<HttpResponse>((resolvePromise, rejectPromise) => {
    let settled = false;
    const finish = (error: TransportFailure | undefined, response?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        request.destroy();
        rejectPromise(error);
      } else resolvePromise(response as HttpResponse);
    };
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'application/json', ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const request = send(req.url, { method: req.method, headers, agent: agent ?? false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) finish(new TransportFailure('too-large', reason('http.tooLarge', [maxBytes])));
        else chunks.push(chunk);
      });
      response.on('end', () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', (error) => finish(new TransportFailure('network', describeNetworkError(error))));
      response.on('aborted', () => finish(new TransportFailure('network', reason('http.closedMidAnswer'))));
    });
    const timer = setTimeout(() => finish(new TransportFailure('timeout', reason('http.timedOut'))), remaining);
    if (req.idleMs !== undefined && req.idleMs < remaining) {
      request.setTimeout(req.idleMs, () =>
        finish(new TransportFailure('idle', reason('http.idle', [Math.round((req.idleMs ?? 0) / 1000)]))),
      );
    }
    request.on('error', (error) => finish(new TransportFailure('network', describeNetworkError(error))));
    request.end(req.body);
  });
}

/** A short, secret-free description of a socket or TLS error. */
export function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return reason('http.dns');
    case 'ECONNREFUSED':
      return reason('http.refused');
    case 'ECONNRESET':
      return reason('http.reset');
    case 'EPIPE':
      return reason('http.closed');
    case 'ETIMEDOUT':
      return reason('http.connectTimeout');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return reason('http.unreachable');
    case 'CERT_HAS_EXPIRED':
      return reason('http.certExpired');
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return reason('http.certUntrusted', [code]);
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return reason('http.certOtherHost');
    default:
      return code ? reason('http.networkErrorCode', [code]) : reason('http.networkError');
  }
}

/** The server's clock, from its Date header. */
export function serverDate(response: HttpResponse): Date | undefined {
  const value = response.headers.date;
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
