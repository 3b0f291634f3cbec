/*
 * Injected faults for reliability tests. A fault applies to non-admin requests whose path starts with its
 * `path` (default: all) and whose body contains its `match` (default: any); `times` counts down and the fault
 * disappears at zero (absent: forever). The first matching fault wins. An 'unresponsive' fault, once taken, opens a
 * window of `ms` during which every non-admin request is held and then dropped.
 */
import type { ServerResponse } from 'node:http';
import type { Fault } from './config.js';

const FAULT_KINDS = new Set(['503', 'html', 'reset', 'hang', 'slow-body', 'drop-reply', 'unresponsive']);
export const DEFAULT_UNRESPONSIVE_MS = 25_000;

export const MAINTENANCE_PAGE =
  '<html><head><title>Salesforce - Maintenance</title></head><body><h1>Maintenance</h1>' +
  '<p>This Salesforce instance is currently undergoing scheduled Maintenance. Please try again later.</p></body></html>';

export function validateFaults(faults: unknown): Fault[] {
  if (!Array.isArray(faults)) throw new Error('faults must be an array');
  return faults.map((f: unknown) => {
    const fault = f as Fault;
    if (!fault || !FAULT_KINDS.has(fault.kind))
      throw new Error(`unknown fault kind: ${JSON.stringify((f as Fault | null)?.kind)}`);
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 0))
      throw new Error('fault.times must be a whole number');
    if (fault.ms !== undefined && (!Number.isInteger(fault.ms) || fault.ms < 0))
      throw new Error('fault.ms must be a whole number of milliseconds');
    if (fault.match !== undefined && typeof fault.match !== 'string') throw new Error('fault.match must be a string');
    return { ...fault };
  });
}

export class FaultSet {
  private faults: Fault[] = [];
  /** The end of an open 'unresponsive' window (ms since the epoch), or 0. */
  private unresponsiveUntil = 0;

  public set(faults: Fault[]): void {
    this.faults = validateFaults(faults).filter((f) => f.times === undefined || f.times > 0);
    this.unresponsiveUntil = 0;
  }

  /** When an 'unresponsive' window is open: the ms it has left; else 0. */
  public unresponsiveFor(now = Date.now()): number {
    return Math.max(this.unresponsiveUntil - now, 0);
  }

  public list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault for this request, if any, counting one use of it. */
  public take(pathname: string, body = ''): Fault | undefined {
    const fault = this.faults.find(
      (f) => (f.path === undefined || pathname.startsWith(f.path)) && (f.match === undefined || body.includes(f.match)),
    );
    if (!fault) return undefined;
    if (fault.kind === 'unresponsive') this.unresponsiveUntil = Date.now() + (fault.ms ?? DEFAULT_UNRESPONSIVE_MS);
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    return { ...fault };
  }
}

/**
 * Sends `body` with its headers at once, then the body in small chunks (1/25 of it, at least one byte, every
 * 200 ms: about five seconds in all), so that clients without a body timeout stall. Returns a canceller.
 */
export function dribble(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  intervalMs = 200,
): () => void {
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
  res.flushHeaders();
  const chunk = Math.max(1, Math.ceil(body.length / 25));
  let offset = 0;
  const timer = setInterval(() => {
    if (res.destroyed) {
      clearInterval(timer);
      return;
    }
    const piece = body.subarray(offset, offset + chunk);
    offset += piece.length;
    if (offset >= body.length) {
      clearInterval(timer);
      res.end(piece);
    } else {
      res.write(piece);
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
