/*
 * Coded-error assertions, one set for every suite: a JwtSetupError of the closed list, named <Code>Error, with a
 * message and at least one action.
 */
import { expect } from 'chai';
import { ERROR_CODES, errorName, JwtSetupError, type ErrorCode } from '../../src/errors.js';
import type { Ran } from './run.js';

const CODES = new Set<string>(ERROR_CODES);

/** `error` is a JwtSetupError with one of `codes` (any code of the list when none is given). */
export function expectCoded(error: unknown, ...codes: string[]): asserts error is JwtSetupError {
  if (!(error instanceof JwtSetupError)) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    expect.fail(`expected a JwtSetupError ${codes.join(' or ')}, got ${detail}`);
  }
  expect(CODES.has(error.code), `code ${error.code} not in ERROR_CODES`).to.equal(true);
  if (codes.length > 0) expect(codes, `${error.code}: ${error.message}`).to.include(error.code);
  expect(error.name).to.equal(errorName(error.code as ErrorCode));
  expect(error.message).to.be.a('string').and.not.equal('');
  expect((error.actions ?? []).length, `${error.code} has no actions`).to.be.greaterThan(0);
}

/** A command failure (an SfCommandError wrapping a JwtSetupError): name `<Code>Error`, code `<Code>`, some actions. */
export function expectCommandError(ran: Ran<unknown>, code: string): void {
  expect(ran.error, `expected ${code}, got result ${JSON.stringify(ran.result)}`).to.not.equal(undefined);
  const error = ran.error!;
  expect(error.name, error.message).to.equal(errorName(code as ErrorCode));
  expect(error.code).to.equal(code);
  expect((error.actions ?? []).length).to.be.greaterThan(0);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection');
}

/** The error a function throws (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an exception');
}

/** Rejects when `promise` takes longer than `ms`: "never a hang". */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
