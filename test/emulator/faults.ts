/*
 * Injected faults for reliability tests. A fault applies to non-admin requests whose path starts with its
 * `path` (default: all); `times` counts down and the fault disappears at zero (absent: forever).
 * The first matching fault wins.
 */
import type { ServerResponse } from 'node:http';
import type { Fault } from './config.js';

const FAULT_KINDS = new Set(['503', 'html', 'reset', 'hang', 'slow-body']);

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
    return { ...fault };
  });
}

export class FaultSet {
  private faults: Fault[] = [];

  public set(faults: Fault[]): void {
    this.faults = validateFaults(faults).filter((f) => f.times === undefined || f.times > 0);
  }

  public list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault for this path, if any, counting one use of it. */
  public take(pathname: string): Fault | undefined {
    const fault = this.faults.find((f) => f.path === undefined || pathname.startsWith(f.path));
    if (!fault) return undefined;
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
