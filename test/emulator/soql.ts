/*
 * The little SOQL the CLI and the tests need:
 *   SELECT f1, f2 FROM Object [WHERE F = 'v' [AND G = true ...]] [ORDER BY F [ASC|DESC]] [LIMIT n]
 * Keywords are case-insensitive, field names too (answers use the canonical spelling).
 * Conditions: F = v, F != v, F IN ('a', 'b'), F NOT IN (…); F may be a parent field (Profile.Name, PermissionSet.Name).
 * Objects: Account (configured rows), Organization (org facts), User (emulator users), UserLogin, Profile,
 * PermissionSet, PermissionSetAssignment (the org's records), ScratchOrgInfo (Dev Hub only: its signups, devhub.ts).
 * Date literals: CreatedDate = LAST_N_DAYS:n (from midnight UTC n days ago until now, as Salesforce reads it).
 * Parent fields come back nested, as Salesforce sends them: { "Profile": { "attributes": {…}, "Name": "…" } }.
 */
import type { OrgFacts, StoredUser } from './config.js';
import { toId18 } from './config.js';
import type { OrgStore } from './org.js';

export type SalesforceError = { message: string; errorCode: string };
export type QueryAnswer = { status: 200; body: unknown } | { status: 400; body: SalesforceError[] };

type FieldType = 'Id' | 'String' | 'Boolean' | 'Double' | 'Datetime' | 'Date';
type ObjectDef = {
  keyPrefix: string;
  fields: Record<string, FieldType>;
  updatable: string[];
  rows: Array<Record<string, unknown>>;
};

export type QueryData = {
  org: OrgFacts;
  users: StoredUser[];
  accounts: Array<Record<string, unknown>>;
  store: OrgStore;
  scratchOrgInfos?: Array<Record<string, unknown>>;
  activeScratchOrgs?: Array<Record<string, unknown>>;
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
      if (key !== 'attributes' && !(key in accountFields))
        accountFields[key] = inferType(data.accounts.map((r) => r[key]));
    }
  }
  return {
    Account: {
      keyPrefix: '001',
      fields: accountFields,
      updatable: Object.keys(accountFields).filter((f) => f !== 'Id'),
      rows: data.accounts,
    },
    Organization: {
      keyPrefix: '00D',
      fields: {
        Id: 'Id',
        Name: 'String',
        InstanceName: 'String',
        IsSandbox: 'Boolean',
        TrialExpirationDate: 'Datetime',
        NamespacePrefix: 'String',
        OrganizationType: 'String',
      },
      updatable: ['Name'],
      rows: [
        {
          Id: org.orgId,
          Name: org.name,
          InstanceName: org.instanceName,
          IsSandbox: org.isSandbox,
          TrialExpirationDate: org.trialExpirationDate,
          NamespacePrefix: org.namespacePrefix,
          OrganizationType: org.organizationType,
        },
      ],
    },
    ...orgObjects(data),
    ...(org.isDevHub
      ? {
          ScratchOrgInfo: {
            keyPrefix: '2SR',
            fields: {
              Id: 'Id',
              OrgName: 'String',
              Edition: 'String',
              Status: 'String',
              ErrorCode: 'String',
              SignupUsername: 'String',
              Username: 'String',
              SignupEmail: 'String',
              SignupInstance: 'String',
              LoginUrl: 'String',
              ScratchOrg: 'String',
              Namespace: 'String',
              Description: 'String',
              DurationDays: 'Double',
              ExpirationDate: 'Date',
              ConnectedAppConsumerKey: 'String',
              ConnectedAppCallbackUrl: 'String',
              CreatedDate: 'Datetime',
              LastModifiedDate: 'Datetime',
              CreatedById: 'Id',
              'CreatedBy.Username': 'String',
            },
            updatable: ['OrgName', 'Description'],
            rows: data.scratchOrgInfos ?? [],
          },
          ActiveScratchOrg: {
            keyPrefix: '2AS',
            fields: {
              Id: 'Id',
              ScratchOrg: 'String',
              SignupUsername: 'String',
              ScratchOrgInfoId: 'Id',
              CreatedDate: 'Datetime',
              Edition: 'String',
              ExpirationDate: 'Date',
              OrgName: 'String',
            },
            updatable: [],
            rows: data.activeScratchOrgs ?? [],
          },
        }
      : {}),
  };
}

function orgObjects(data: QueryData): Record<string, ObjectDef> {
  const { store } = data;
  const psById = new Map(store.permissionSets.map((p) => [p.id, p]));
  return {
    User: {
      keyPrefix: '005',
      fields: {
        Id: 'Id',
        Username: 'String',
        Name: 'String',
        Email: 'String',
        IsActive: 'Boolean',
        UserType: 'String',
        ProfileId: 'Id',
        'Profile.Name': 'String',
      },
      updatable: ['Username', 'Email', 'IsActive', 'ProfileId'],
      rows: data.users.map((u) => {
        const profile = store.profileOf(u);
        return {
          Id: u.userId,
          Username: u.username,
          Name: displayName(u.username),
          Email: emailOf(u.username),
          IsActive: u.active,
          UserType: 'Standard',
          ProfileId: profile.id,
          'Profile.Name': profile.name,
        };
      }),
    },
    UserLogin: {
      keyPrefix: '060',
      fields: { Id: 'Id', UserId: 'Id', IsFrozen: 'Boolean', IsPasswordLocked: 'Boolean' },
      updatable: ['IsFrozen', 'IsPasswordLocked'],
      rows: data.users.map((u) => ({
        Id: toId18(`060${u.userId.slice(3, 15)}`),
        UserId: u.userId,
        IsFrozen: u.frozen,
        IsPasswordLocked: false,
      })),
    },
    Profile: {
      keyPrefix: '00e',
      fields: { Id: 'Id', Name: 'String' },
      updatable: ['Name'],
      rows: store.profiles.map((p) => ({ Id: p.id, Name: p.name })),
    },
    PermissionSet: {
      keyPrefix: '0PS',
      fields: { Id: 'Id', Name: 'String', Label: 'String', NamespacePrefix: 'String', IsOwnedByProfile: 'Boolean' },
      updatable: ['Name', 'Label'],
      rows: store.permissionSets.map((p) => ({
        Id: p.id,
        Name: p.name,
        Label: p.label,
        NamespacePrefix: p.namespacePrefix,
        IsOwnedByProfile: p.isOwnedByProfile,
      })),
    },
    PermissionSetAssignment: {
      keyPrefix: '0Pa',
      fields: {
        Id: 'Id',
        AssigneeId: 'Id',
        PermissionSetId: 'Id',
        'PermissionSet.Name': 'String',
        'PermissionSet.Label': 'String',
        'PermissionSet.IsOwnedByProfile': 'Boolean',
        'Assignee.Username': 'String',
      },
      updatable: [],
      rows: store.assignments.map((a) => ({
        Id: a.id,
        AssigneeId: a.assigneeId,
        PermissionSetId: a.permissionSetId,
        'PermissionSet.Name': psById.get(a.permissionSetId)?.name ?? null,
        'PermissionSet.Label': psById.get(a.permissionSetId)?.label ?? null,
        'PermissionSet.IsOwnedByProfile': psById.get(a.permissionSetId)?.isOwnedByProfile ?? false,
        'Assignee.Username': data.users.find((u) => u.userId === a.assigneeId)?.username ?? null,
      })),
    },
  };
}

/** Parent object type of a relationship field: Profile.Name -> Profile, Assignee.Username -> User. */
const RELATIONSHIP_TYPES: Record<string, string> = {
  Profile: 'Profile',
  PermissionSet: 'PermissionSet',
  Assignee: 'User',
  CreatedBy: 'User',
};

export function displayName(username: string): string {
  const local = username.split('@')[0] ?? username;
  return (
    local
      .split(/[._-]+/)
      .filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(' ') || username
  );
}
export function emailOf(username: string): string {
  return username.includes('@') ? username : `${username}@example.com`;
}

function findKey(record: Record<string, unknown>, name: string): string | undefined {
  return Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
}

type RelativeDate = { lastNDays: number };
const isRelativeDate = (v: unknown): v is RelativeDate => typeof v === 'object' && v !== null && 'lastNDays' in v;

/** Whether a date/datetime value falls in LAST_N_DAYS:n: from midnight UTC n days ago until now. */
function inRelativeDate(actual: unknown, range: RelativeDate): boolean {
  if (typeof actual !== 'string') return false;
  const at = Date.parse(actual.replace(/\+0000$/, 'Z'));
  const today = new Date();
  const start =
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) - range.lastNDays * 86_400_000;
  return Number.isFinite(at) && at >= start && at <= Date.now();
}

function parseLiteral(text: string): unknown {
  const relative = /^last_n_days:(\d+)$/i.exec(text);
  if (relative) return { lastNDays: Number(relative[1]) };
  if (text.startsWith("'")) return text.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^null$/i.test(text)) return null;
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return Number(text);
}

/** Ids compare by their case-sensitive 15-char form, so 15- and 18-char spellings match. */
function sameId(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return (a ?? null) === (b ?? null);
  return a.length >= 15 && b.length >= 15 ? a.slice(0, 15) === b.slice(0, 15) : a === b;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return (a ?? null) === (b ?? null);
}

const QUERY = /^\s*select\s+([\s\S]+?)\s+from\s+(\w+)\b([\s\S]*)$/i;
const TAIL =
  /^\s*(?:where\s+([\s\S]+?))?\s*(?:order\s+by\s+(\w+)(?:\s+(asc|desc))?(?:\s+nulls\s+(?:first|last))?)?\s*(?:limit\s+(\d+))?\s*(?:offset\s+(\d+))?\s*$/i;
const LITERAL = "'(?:[^'\\\\]|\\\\.)*'|true|false|null|last_n_days:\\d+|-?\\d+(?:\\.\\d+)?";
const CONDITION = new RegExp(`^([\\w.]+)\\s*(=|!=)\\s*(${LITERAL})$`, 'i');
const IN_CONDITION = new RegExp(
  `^([\\w.]+)\\s+(not\\s+)?in\\s*\\(\\s*((?:${LITERAL})(?:\\s*,\\s*(?:${LITERAL}))*)\\s*\\)$`,
  'i',
);

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
        `No such column '${raw}' on entity '${entityName}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    fields.push(canonical);
  }

  const t = TAIL.exec(tail);
  if (!t) return bad('MALFORMED_QUERY', `unexpected token: '${tail.trim().split(/\s+/)[0] ?? ''}'`);
  const [, where, orderBy, direction, limit, offset] = t;
  const conditions: Array<{ field: string; negate: boolean; values: unknown[] }> = [];
  for (const cond of where ? where.split(/\s+and\s+/i) : []) {
    const c = CONDITION.exec(cond.trim());
    const inList = c ? undefined : IN_CONDITION.exec(cond.trim());
    if (!c && !inList) return bad('MALFORMED_QUERY', `unexpected token: '${cond.trim()}'`);
    const name = (c ?? inList)![1];
    const field = Object.keys(def.fields).find((f) => f.toLowerCase() === name.toLowerCase());
    if (!field) return bad('INVALID_FIELD', `No such column '${name}' on entity '${entityName}'.`);
    if (c) conditions.push({ field, negate: c[2] === '!=', values: [parseLiteral(c[3])] });
    else
      conditions.push({
        field,
        negate: !!inList![2],
        values: (inList![3].match(new RegExp(LITERAL, 'gi')) ?? []).map(parseLiteral),
      });
  }

  if (columns) return { status: 200, body: columnMetadata(entityName, def, fields) };

  let rows = def.rows.filter((row) =>
    conditions.every(({ field, negate, values }) => {
      const key = findKey(row, field);
      const actual = key ? row[key] : null;
      const isId = def.fields[field] === 'Id';
      return (
        values.some((value) =>
          isRelativeDate(value) ? inRelativeDate(actual, value) : isId ? sameId(actual, value) : equal(actual, value),
        ) !== negate
      );
    }),
  );
  if (orderBy) {
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => {
      const ka = findKey(a, orderBy);
      const kb = findKey(b, orderBy);
      const va = String(ka ? (a[ka] ?? '') : '');
      const vb = String(kb ? (b[kb] ?? '') : '');
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
      const value = key === undefined ? null : (row[key] ?? null);
      const dot = f.indexOf('.');
      if (dot < 0) {
        record[f] = value;
        continue;
      }
      const [relationship, parentField] = [f.slice(0, dot), f.slice(dot + 1)];
      const parentType = RELATIONSHIP_TYPES[relationship] ?? relationship;
      const idField = findKey(row, `${relationship === 'Assignee' ? 'Assignee' : relationship}Id`);
      const parentId = idField ? String(row[idField]) : '';
      const parent = (record[relationship] ??= {
        attributes: { type: parentType, url: `/services/data/v${version}/sobjects/${parentType}/${parentId}` },
      }) as Record<string, unknown>;
      parent[parentField] = value;
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
