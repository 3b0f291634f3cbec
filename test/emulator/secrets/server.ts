/*
 * The loopback HTTP server both secret-store emulators run on: 127.0.0.1, an ephemeral port, bodies read whole, JSON
 * (or form) in and out, a request log without credentials or values, and write faults for tests.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export type Request = {
  method: string;
  /** The path without the query, repeated slashes collapsed. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** JSON or form body, parsed; undefined when there was none. */
  body: Record<string, unknown> | undefined;
  /** The body could not be parsed. */
  malformed: boolean;
};

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export type LogEntry = { method: string; path: string; query?: string; status: number; at: number };

export type WriteFault = {
  /** Writes (PUT/POST/DELETE) to let through before failing. */
  after: number;
  status: number;
  /** Only for paths containing this (e.g. "acme/app" or "acme%2Fapp"). */
  pathIncludes?: string;
  /** How many writes fail (default: every one after `after`). */
  times?: number;
};

const MAX_BODY = 1024 * 1024;

export abstract class LoopbackServer {
  public readonly requestLog: LogEntry[] = [];
  private server?: http.Server | https.Server;
  private baseUrl?: string;
  private fault?: WriteFault & { seen: number; failed: number };

  /** `tls`: serve HTTPS with this key and certificate (see ../tls.ts), for proxy tests. */
  public constructor(
    private readonly port = 0,
    private readonly tls?: { key: string; cert: string },
  ) {}

  public get url(): string {
    if (!this.baseUrl) throw new Error(`${this.constructor.name}: not started`);
    return this.baseUrl;
  }

  /** Make writes fail with `status` after `after` more writes have passed (see WriteFault); undefined clears it. */
  public failWrites(fault: WriteFault | undefined): void {
    this.fault = fault ? { ...fault, seen: 0, failed: 0 } : undefined;
  }

  public async start(): Promise<string> {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: String(error) }));
        }
      });
    };
    const server = this.tls ? https.createServer(this.tls, listener) : http.createServer(listener);
    server.keepAliveTimeout = 2000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.baseUrl = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  public async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    let malformed = false;
    if (text.trim() !== '') {
      const type = String(req.headers['content-type'] ?? '');
      try {
        body = type.includes('application/x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(text))
          : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        malformed = true;
      }
    }
    const request: Request = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/\/{2,}/g, '/'),
      query: url.searchParams,
      headers: req.headers,
      body,
      malformed,
    };
    const answer = this.injected(request) ?? (await this.handle(request));
    this.requestLog.push({
      method: request.method,
      path: request.path,
      ...(url.search ? { query: url.search.slice(1) } : {}),
      status: answer.status,
      at: Date.now(),
    });
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    res.writeHead(answer.status, headers);
    res.end(answer.body !== undefined ? JSON.stringify(answer.body) : undefined);
  }

  private injected(req: Request): Answer | undefined {
    const fault = this.fault;
    if (!fault || req.method === 'GET') return undefined;
    if (fault.pathIncludes && !req.path.includes(fault.pathIncludes)) return undefined;
    fault.seen++;
    if (fault.seen <= fault.after) return undefined;
    if (fault.times !== undefined && fault.failed >= fault.times) return undefined;
    fault.failed++;
    return { status: fault.status, body: { message: `injected fault (HTTP ${fault.status})` } };
  }

  protected abstract handle(req: Request): Answer | Promise<Answer>;
}
