/*
 * A check is data: a stable id, a status, what was found and, for warn and fail, the fix. Doctor's report, its
 * --json, GitHub annotations and `assertion --check` are renderings of lists of these.
 */
import type { CheckId } from './ids.js';

export type { CheckId } from './ids.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type Check = {
  id: CheckId;
  status: CheckStatus;
  title: string;
  detail: string;
  fix?: string;
};

export const pass = (id: CheckId, title: string, detail: string): Check => ({ id, status: 'pass', title, detail });
export const warn = (id: CheckId, title: string, detail: string, fix: string): Check => ({
  id,
  status: 'warn',
  title,
  detail,
  fix,
});
export const fail = (id: CheckId, title: string, detail: string, fix: string): Check => ({
  id,
  status: 'fail',
  title,
  detail,
  fix,
});
export const skip = (id: CheckId, title: string, detail: string): Check => ({ id, status: 'skip', title, detail });

/** A check from a coded error: its message is the detail, its actions the fix. */
export function failFromError(id: CheckId, title: string, error: { message: string; actions?: string[] }): Check {
  return fail(id, title, error.message, (error.actions ?? []).join(' '));
}

export function countByStatus(checks: Check[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}
