/*
 * A check is data: a stable id, a status, what was found and, for warn and fail, the fix. Doctor's report, its
 * --json, GitHub annotations and `assertion --check` are renderings of lists of these. The ids are typed by whoever
 * makes the checks (the assertion's rules in ids.ts, each doctor group in its own file), so a typo is a compile error.
 */
export type { AssertionCheckId, CheckId } from './ids.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type Check<Id extends string = string> = {
  id: Id;
  status: CheckStatus;
  title: string;
  detail: string;
  fix?: string;
};

export const pass = <Id extends string>(id: Id, title: string, detail: string): Check<Id> => ({
  id,
  status: 'pass',
  title,
  detail,
});
export const warn = <Id extends string>(id: Id, title: string, detail: string, fix: string): Check<Id> => ({
  id,
  status: 'warn',
  title,
  detail,
  fix,
});
export const fail = <Id extends string>(id: Id, title: string, detail: string, fix: string): Check<Id> => ({
  id,
  status: 'fail',
  title,
  detail,
  fix,
});
export const skip = <Id extends string>(id: Id, title: string, detail: string): Check<Id> => ({
  id,
  status: 'skip',
  title,
  detail,
});

/** A check from a coded error: its message is the detail, its actions the fix. */
export function failFromError<Id extends string>(
  id: Id,
  title: string,
  error: { message: string; actions?: string[] },
): Check<Id> {
  return fail(id, title, error.message, (error.actions ?? []).join(' '));
}

export function countByStatus(checks: Check[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}
