/*
 * The little SOQL the CLI and the tests need:
 *   SELECT f1, f2 FROM Object [WHERE F = 'v' [AND G = true ...]] [ORDER BY F [ASC|DESC]] [LIMIT n]
 * Keywords are case-insensitive, field names too (answers use the canonical spelling).
 * Objects: Account (configured rows), Organization (org facts), User (emulator users), ScratchOrgInfo (Dev Hub only, no rows).
 */
import type { OrgFacts, StoredUser } from './config.js';

export type SalesforceError = { message: string; errorCode: string };
export type QueryAnswer = { status: 200; body: unknown } | { status: 400; body: SalesforceError[] };

type FieldType = 'Id' | 'String' | 'Boolean' | 'Double' | 'Datetime' | 'Date';
type ObjectDef = { keyPrefix: string; fields: Record<string, FieldType>; updatable: string[]; rows: Array<Record<string, unknown>> };

export type QueryData = {
  org: OrgFacts;
  users: StoredUser[];
  accounts: Array<Record<string, unknown>>;
};

const bad = (errorCode: string, message: string): QueryAnswer => ({ status: 400, body: [{ message, errorCode }] });

function inferType(values: unknown[]): FieldType {
  const v = values.find((x) => x !== null && x !== undefined);
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'number') return 'Double';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return 'Datetime';
  return 'String';
}

function objects(data: QueryData): Record<string, ObjectDef> {
  const { org } = data;
  const accountFields: Record<string, FieldType> = { Id: 'Id', Name: 'String' };
  for (const row of data.accounts) {
    for (const key of Object.keys(row)) {
      if (key !== 'attributes' && !(key in accountFields)) accountFields[key] = inferType(data.accounts.map((r) => r[key]));
    }
  }
  return {
    Account: { keyPrefix: '001', fields: accountFields, updatable: Object.keys(accountFields).filter((f) => f !== 'Id'), rows: data.accounts },
    Organization: {
      keyPrefix: '00D',
      fields: {
        Id: 'Id', Name: 'String', InstanceName: 'String', IsSandbox: 'Boolean', TrialExpirationDate: 'Datetime',
        NamespacePrefix: 'String', OrganizationType: 'String',
      },
      updatable: ['Name'],
      rows: [
        {
          Id: org.orgId, Name: org.name, InstanceName: org.instanceName, IsSandbox: org.isSandbox,
          TrialExpirationDate: org.trialExpirationDate, NamespacePrefix: org.namespacePrefix, OrganizationType: org.organizationType,
        },
      ],
    },
    User: {
      keyPrefix: '005',
      fields: { Id: 'Id', Username: 'String', Name: 'String', Email: 'String', IsActive: 'Boolean', UserType: 'String' },
      updatable: ['Username', 'Email', 'IsActive'],
      rows: data.users.map((u) => ({
        Id: u.userId, Username: u.username, Name: displayName(u.username), Email: emailOf(u.username), IsActive: u.active, UserType: 'Standard',
      })),
    },
    ...(org.isDevHub
      ? {
          ScratchOrgInfo: {
            keyPrefix: '2SR',
            fields: { Id: 'Id', OrgName: 'String', Status: 'String', SignupUsername: 'String', ScratchOrg: 'String', ExpirationDate: 'Date' },
            updatable: ['OrgName'],
            rows: [],
          },
        }
      : {}),
  };
}

export function displayName(username: string): string {
  const local = username.split('@')[0] ?? username;
  return local.split(/[._-]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') || username;
}
export function emailOf(username: string): string {
  return username.includes('@') ? username : `${username}@example.com`;
}

function findKey(record: Record<string, unknown>, name: string): string | undefined {
  return Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
}

function parseLiteral(text: string): unknown {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^null$/i.test(text)) return null;
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return Number(text);
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return (a ?? null) === (b ?? null);
}

const QUERY = /^\s*select\s+([\s\S]+?)\s+from\s+(\w+)\b([\s\S]*)$/i;
const TAIL = /^\s*(?:where\s+([\s\S]+?))?\s*(?:order\s+by\s+(\w+)(?:\s+(asc|desc))?(?:\s+nulls\s+(?:first|last))?)?\s*(?:limit\s+(\d+))?\s*(?:offset\s+(\d+))?\s*$/i;
const CONDITION = /^(\w+)\s*(=|!=)\s*('(?:[^'\\]|\\.)*'|true|false|null|-?\d+(?:\.\d+)?)$/i;

/** Runs a query; `version` (e.g. "60.0") goes into record attribute URLs; `columns` answers column metadata instead. */
export function runQuery(soql: string, data: QueryData, version: string, columns = false): QueryAnswer {
  const m = QUERY.exec(soql);
  if (!m) return bad('MALFORMED_QUERY', `unexpected token: '${soql.trim().split(/\s+/)[0] ?? ''}'`);
  const [, fieldList, objectName, tail] = m;
  const defs = objects(data);
  const entityName = Object.keys(defs).find((k) => k.toLowerCase() === objectName.toLowerCase());
  if (!entityName) return bad('INVALID_TYPE', `sObject type '${objectName}' is not supported.`);
  const def = defs[entityName];

  const fields: string[] = [];
  for (const raw of fieldList.split(',').map((f) => f.trim())) {
    if (!/^[A-Za-z_][\w.]*$/.test(raw)) return bad('MALFORMED_QUERY', `unexpected token: '${raw}'`);
    const canonical = Object.keys(def.fields).find((f) => f.toLowerCase() === raw.toLowerCase());
    if (!canonical) {
      return bad(
        'INVALID_FIELD',
        `No such column '${raw}' on entity '${entityName}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`
      );
    }
    fields.push(canonical);
  }

  const t = TAIL.exec(tail);
  if (!t) return bad('MALFORMED_QUERY', `unexpected token: '${tail.trim().split(/\s+/)[0] ?? ''}'`);
  const [, where, orderBy, direction, limit, offset] = t;
  const conditions: Array<{ field: string; negate: boolean; value: unknown }> = [];
  for (const cond of where ? where.split(/\s+and\s+/i) : []) {
    const c = CONDITION.exec(cond.trim());
    if (!c) return bad('MALFORMED_QUERY', `unexpected token: '${cond.trim()}'`);
    const field = Object.keys(def.fields).find((f) => f.toLowerCase() === c[1].toLowerCase());
    if (!field) return bad('INVALID_FIELD', `No such column '${c[1]}' on entity '${entityName}'.`);
    conditions.push({ field, negate: c[2] === '!=', value: parseLiteral(c[3]) });
  }

  if (columns) return { status: 200, body: columnMetadata(entityName, def, fields) };

  let rows = def.rows.filter((row) =>
    conditions.every(({ field, negate, value }) => {
      const key = findKey(row, field);
      return equal(key ? row[key] : null, value) !== negate;
    })
  );
  if (orderBy) {
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => {
      const ka = findKey(a, orderBy);
      const kb = findKey(b, orderBy);
      const va = String(ka ? a[ka] ?? '' : '');
      const vb = String(kb ? b[kb] ?? '' : '');
      return va < vb ? -sign : va > vb ? sign : 0;
    });
  }
  rows = rows.slice(offset ? Number(offset) : 0, limit ? (offset ? Number(offset) : 0) + Number(limit) : undefined);

  const records = rows.map((row) => {
    const idKey = findKey(row, 'Id');
    const id = idKey ? String(row[idKey]) : undefined;
    const record: Record<string, unknown> = {
      attributes: { type: entityName, url: `/services/data/v${version}/sobjects/${entityName}${id ? `/${id}` : ''}` },
    };
    for (const f of fields) {
      const key = findKey(row, f);
      record[f] = key === undefined ? null : row[key] ?? null;
    }
    return record;
  });
  return { status: 200, body: { totalSize: records.length, done: true, records } };
}

function columnMetadata(entityName: string, def: ObjectDef, fields: string[]): unknown {
  return {
    columnMetadata: fields.map((f) => {
      const type = def.fields[f];
      const editable = def.updatable.includes(f);
      return {
        aggregate: false,
        apexType: type,
        booleanType: type === 'Boolean',
        columnName: f,
        custom: f.endsWith('__c'),
        displayName: f,
        foreignKeyName: null,
        insertable: editable,
        joinColumns: [],
        numberType: type === 'Double',
        textType: type === 'String',
        updatable: editable,
      };
    }),
    entityName,
    groupBy: false,
    idSelected: fields.includes('Id'),
    keyPrefix: def.keyPrefix,
  };
}
