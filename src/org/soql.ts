/*
 * SOQL for the org side: literal quoting, and the records of a query as plain objects.
 */
import type { Connection } from '@salesforce/core';

/** A string literal for a SOQL WHERE clause: backslashes and single quotes escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export type SoqlRecord = Record<string, unknown>;

export async function queryRecords<T extends SoqlRecord>(connection: Connection, soql: string): Promise<T[]> {
  const result = await connection.query<T>(soql);
  return result.records ?? [];
}

/** A nested field such as Profile.Name as a string, or undefined. */
export function nested(record: SoqlRecord, path: string): string | undefined {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' ? value : undefined;
}
