/*
 * A fleet: the orgs that `fleet login`, `fleet check` and `fleet rotate` act on, from one of three sources: a manifest
 * (YAML or JSON, parsed by the `yaml` package, loaded only when a manifest is read), CumulusCI's headless variables
 * (`--from-env cumulusci`), or every JWT auth of the sf store (`--all`, for fleet check).
 *
 * The manifest's keys are closed (MANIFEST_KEYS: the login flags in camelCase, plus what fleet check and rotate use):
 * anything else is ManifestInvalid naming the file, the line, the org and the key, and so is every other structural
 * problem, before anything is logged in. `defaults` apply to every org and an org's own keys win; relative paths
 * resolve against the manifest's folder. There are no SF_JWT_* fallbacks: a fleet says everything itself.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Global, Messages } from '@salesforce/core';
import type { Credentials } from '../auth/credentials.js';
import { jwtError, type JwtSetupError } from '../errors.js';
import { fsReason } from '../util/fs-errors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'fleet');
const say = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));

type KeyType = 'string' | 'boolean';

/** Every key an org of a manifest may have: its type, whether `defaults` may hold it, and the login flag it mirrors. */
export const MANIFEST_KEYS = {
  alias: { type: 'string', inDefaults: false, flag: '--alias' },
  username: { type: 'string', inDefaults: false, flag: '--username' },
  clientId: { type: 'string', inDefaults: true, flag: '--client-id' },
  jwtKeyFile: { type: 'string', inDefaults: true, flag: '--jwt-key-file', path: true },
  jwtKeyEnv: { type: 'string', inDefaults: true, flag: '--jwt-key-env' },
  passphraseEnv: { type: 'string', inDefaults: true, flag: '--passphrase-env' },
  instanceUrl: { type: 'string', inDefaults: true, flag: '--instance-url' },
  sandbox: { type: 'boolean', inDefaults: true, flag: '--sandbox' },
  audience: { type: 'string', inDefaults: true, flag: '--audience' },
  certificateFile: { type: 'string', inDefaults: true, flag: 'doctor --certificate-file', path: true },
  adminOrg: { type: 'string', inDefaults: true, flag: 'doctor --admin-org, rotate --target-org' },
  app: { type: 'string', inDefaults: true, flag: 'doctor --app, rotate --app' },
  secretSuffix: { type: 'string', inDefaults: true, flag: '--push' },
} as const satisfies Record<string, { type: KeyType; inDefaults: boolean; flag: string; path?: boolean }>;

export type ManifestKey = keyof typeof MANIFEST_KEYS;

/** One org of a fleet, with the defaults applied and paths made absolute. */
export type OrgSpec = {
  alias: string;
  username: string;
  clientId?: string;
  jwtKeyFile?: string;
  jwtKeyEnv?: string;
  passphraseEnv?: string;
  instanceUrl?: string;
  sandbox?: boolean;
  audience?: string;
  certificateFile?: string;
  adminOrg?: string;
  app?: string;
  secretSuffix?: string;
};

export type FleetOrg = {
  spec: OrgSpec;
  /** What login and doctor take: built from the spec alone, never from SF_JWT_* variables. */
  credentials: Credentials;
  /** Where the org is defined, for messages: `fleet.yaml:12`, `$CUMULUSCI_ORG_uat`, or the auth file. */
  origin: string;
  /** An org of the sf store (--all): its registered username, which doctor reads as --target-org. */
  targetOrg?: string;
};

export type FleetSource = 'manifest' | 'cumulusci' | 'store';

export type Fleet = {
  source: FleetSource;
  /** The manifest as given, `CUMULUSCI_ORG_*`, or the sf store's folder. */
  origin: string;
  orgs: FleetOrg[];
};

const ALIAS = /^[A-Za-z0-9_.-]+$/;

function invalid(place: string, problem: string, fix: string): JwtSetupError {
  return jwtError('ManifestInvalid', [place, problem], [fix]);
}

export function credentialsOf(spec: OrgSpec, urlSource: 'manifest' | 'store' = 'manifest'): Credentials {
  const key = spec.jwtKeyFile ? { file: spec.jwtKeyFile } : spec.jwtKeyEnv ? { env: spec.jwtKeyEnv } : undefined;
  return {
    clientId: spec.clientId,
    username: spec.username,
    ...(key ? { key, keyEnvNamed: 'env' in key } : {}),
    ...(spec.passphraseEnv ? { passphraseEnv: spec.passphraseEnv } : {}),
    ...(spec.instanceUrl ? { instanceUrl: { value: spec.instanceUrl, source: urlSource } } : {}),
    sandbox: spec.sandbox ?? false,
    ...(spec.audience ? { audience: spec.audience } : {}),
  };
}

/** The checks every source shares: a consumer key and a key for every org, aliases valid and unique. */
function complete(specs: Array<{ spec: OrgSpec; origin: string }>, fix: string): FleetOrg[] {
  const seen = new Map<string, string>();
  const users = new Map<string, string>();
  return specs.map(({ spec, origin }) => {
    const org = say('org', [spec.alias]);
    if (!ALIAS.test(spec.alias) || spec.alias.includes('@')) {
      throw invalid(origin, say('problem.aliasCharacters', [org, spec.alias]), fix);
    }
    const earlier = seen.get(spec.alias.toLowerCase());
    if (earlier !== undefined) throw invalid(origin, say('problem.duplicateAlias', [org, earlier]), fix);
    seen.set(spec.alias.toLowerCase(), origin);
    const sameUser = users.get(spec.username.toLowerCase());
    if (sameUser !== undefined)
      throw invalid(origin, say('problem.duplicateUsername', [org, spec.username, sameUser]), fix);
    users.set(spec.username.toLowerCase(), origin);
    if (!spec.clientId?.trim()) throw invalid(origin, say('problem.noClientId', [org]), fix);
    if (!spec.jwtKeyFile && !spec.jwtKeyEnv) throw invalid(origin, say('problem.noKey', [org]), fix);
    return { spec, credentials: credentialsOf(spec), origin };
  });
}

// ------------------------------------------------------------------------------------------------ the manifest

type YamlNode = import('yaml').Node;
type YamlModule = typeof import('yaml');

/** Read and validate a manifest; ManifestInvalid (naming file, line, org and key) for anything wrong with it. */
export async function readManifest(file: string, cwd = process.cwd()): Promise<Fleet> {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalid(file, say('problem.unreadable', [fsReason(error)]), file);
  }
  const yaml: YamlModule = await import('yaml');
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (node: YamlNode | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = lines.linePos(error.pos[0]).line;
    throw invalid(
      `${file}:${line}`,
      say('problem.syntax', [error.message.split('\n')[0].replace(/ at line \d+.*$/, '')]),
      file,
    );
  }
  const root = doc.contents;
  if (!yaml.isMap(root)) throw invalid(at(root), say('problem.notMap'), file);
  let defaultsNode: YamlNode | undefined;
  let orgsNode: YamlNode | undefined;
  for (const pair of root.items) {
    const key = yaml.isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'defaults') defaultsNode = pair.value as YamlNode;
    else if (key === 'orgs') orgsNode = pair.value as YamlNode;
    else throw invalid(at(pair.key as YamlNode), say('problem.unknownTopKey', [key]), file);
  }
  const base = dirname(path);
  const defaults = defaultsNode === undefined ? {} : readOrgMap(yaml, defaultsNode, { at, file, base, org: undefined });
  if (!yaml.isSeq(orgsNode) || orgsNode.items.length === 0) {
    throw invalid(at(orgsNode ?? root), say('problem.noOrgs'), file);
  }
  const specs = orgsNode.items.map((item, index) => {
    const node = item as YamlNode;
    const own = readOrgMap(yaml, node, { at, file, base, org: index + 1 });
    const org = own.alias ?? String(index + 1);
    const origin = at(node);
    if (own.alias === undefined) throw invalid(origin, say('problem.noAlias', [index + 1]), file);
    if (own.username === undefined) throw invalid(origin, say('problem.noUsername', [say('org', [org])]), file);
    // The key is one setting: an org's jwtKeyFile or jwtKeyEnv replaces the defaults' either.
    const ownsKey = own.jwtKeyFile !== undefined || own.jwtKeyEnv !== undefined;
    const inherited = ownsKey ? { ...defaults, jwtKeyFile: undefined, jwtKeyEnv: undefined } : defaults;
    const spec = { ...stripUndefined(inherited), ...own } as OrgSpec;
    return { spec, origin };
  });
  return { source: 'manifest', origin: file, orgs: complete(specs, file) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readOrgMap(
  yaml: YamlModule,
  node: YamlNode,
  where: { at: (n: YamlNode | null | undefined) => string; file: string; base: string; org: number | undefined },
): Partial<OrgSpec> {
  const { at, file, base } = where;
  const inDefaults = where.org === undefined;
  if (!yaml.isMap(node)) {
    throw invalid(
      at(node),
      inDefaults ? say('problem.defaultsNotMap') : say('problem.orgNotMap', [where.org ?? 0]),
      file,
    );
  }
  // The org's name for messages: its alias when it has a usable one, else its position.
  const aliasPair = node.items.find((p) => yaml.isScalar(p.key) && p.key.value === 'alias');
  const aliasValue = aliasPair && yaml.isScalar(aliasPair.value) ? aliasPair.value.value : undefined;
  const name = inDefaults
    ? say('defaults')
    : say('org', [typeof aliasValue === 'string' && aliasValue ? aliasValue : String(where.org)]);
  const out: Partial<Record<ManifestKey, string | boolean>> = {};
  for (const pair of node.items) {
    const keyNode = pair.key as YamlNode;
    const key = yaml.isScalar(keyNode) ? String(keyNode.value) : '';
    const place = at(keyNode);
    if (!Object.hasOwn(MANIFEST_KEYS, key)) throw invalid(place, say('problem.unknownKey', [name, key]), file);
    const def = MANIFEST_KEYS[key as ManifestKey];
    if (inDefaults && !def.inDefaults) throw invalid(place, say('problem.notInDefaults', [key]), file);
    const valueNode = pair.value as YamlNode | null;
    const value = yaml.isScalar(valueNode) ? valueNode.value : undefined;
    if (def.type === 'boolean') {
      if (typeof value !== 'boolean') throw invalid(place, say('problem.notBoolean', [name, key]), file);
      out[key as ManifestKey] = value;
      continue;
    }
    if (typeof value !== 'string' || value.trim().length === 0) {
      throw invalid(place, say('problem.notText', [name, key]), file);
    }
    const text = value.trim();
    out[key as ManifestKey] = 'path' in def && def.path && !isAbsolute(text) ? resolve(base, text) : text;
  }
  if (out.jwtKeyFile !== undefined && out.jwtKeyEnv !== undefined) {
    throw invalid(at(node), say('problem.twoKeys', [name]), file);
  }
  return out as Partial<OrgSpec>;
}

// ------------------------------------------------------------------------------------------------ CumulusCI

export const CUMULUSCI_PREFIX = 'CUMULUSCI_ORG_';

/**
 * CumulusCI's headless convention: each CUMULUSCI_ORG_<name>={"username", "instance_url"} is an org with alias
 * <name>; SFDX_CLIENT_ID is the consumer key, SFDX_HUB_KEY the key (PEM), SFDX_AUDIENCE_URL the audience.
 */
export function fleetFromCumulusci(env: NodeJS.ProcessEnv = process.env): Fleet {
  const fix = say('cumulusciFix');
  const names = Object.keys(env)
    .filter((k) => k.startsWith(CUMULUSCI_PREFIX) && k.length > CUMULUSCI_PREFIX.length)
    .sort();
  if (names.length === 0) throw invalid(`${CUMULUSCI_PREFIX}*`, say('problem.noCumulusciOrgs'), fix);
  const clientId = env.SFDX_CLIENT_ID?.trim();
  const hasKey = (env.SFDX_HUB_KEY ?? '').trim().length > 0;
  const audience = env.SFDX_AUDIENCE_URL?.trim();
  const specs = names.map((variable) => {
    const alias = variable.slice(CUMULUSCI_PREFIX.length);
    const origin = `$${variable}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(env[variable] ?? '');
    } catch {
      throw invalid(origin, say('problem.cumulusciNotJson'), fix);
    }
    const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (typeof fields.username !== 'string' || !fields.username.trim()) {
      throw invalid(origin, say('problem.noUsername', [say('org', [alias])]), fix);
    }
    const instanceUrl = typeof fields.instance_url === 'string' ? fields.instance_url.trim() : undefined;
    const spec: OrgSpec = {
      alias,
      username: fields.username.trim(),
      ...(clientId ? { clientId } : {}),
      ...(hasKey ? { jwtKeyEnv: 'SFDX_HUB_KEY' } : {}),
      ...(instanceUrl ? { instanceUrl } : {}),
      ...(audience ? { audience } : {}),
    };
    if (!clientId) throw invalid(origin, say('problem.cumulusciNoClientId'), fix);
    if (!hasKey) throw invalid(origin, say('problem.cumulusciNoKey'), fix);
    return { spec, origin };
  });
  return { source: 'cumulusci', origin: `${CUMULUSCI_PREFIX}*`, orgs: complete(specs, fix) };
}

// ------------------------------------------------------------------------------------------------ the sf store

/**
 * Every JWT auth of the sf store (privateKey, no refresh token), read file by file, never written: the org's alias
 * is its first alias in alias.json, else its username.
 */
export async function fleetFromStore(): Promise<Fleet> {
  const dir = Global.SFDX_DIR;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && n.includes('@'));
  const aliases = await readAliases(join(dir, 'alias.json'));
  const found = await Promise.all(
    names.sort().map(async (name) => {
      try {
        const fields = JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
        const s = (k: string): string | undefined => (typeof fields[k] === 'string' ? fields[k] : undefined);
        const username = s('username');
        const privateKey = s('privateKey');
        if (!username || !privateKey || s('refreshToken')) return undefined;
        const spec: OrgSpec = {
          alias: aliases.get(username) ?? username,
          username,
          jwtKeyFile: privateKey,
          ...(s('clientId') ? { clientId: s('clientId') } : {}),
          ...(s('loginUrl') ? { instanceUrl: s('loginUrl') } : {}),
        };
        return { spec, origin: join(dir, name) };
      } catch {
        return undefined;
      }
    }),
  );
  const specs = found.filter((f): f is { spec: OrgSpec; origin: string } => f !== undefined);
  if (specs.length === 0) throw invalid(dir, say('problem.noStoredAuths'), dir);
  // A stored auth's alias is an sf alias (may hold '@'-free names only), or its username: both are fine here.
  return {
    source: 'store',
    origin: dir,
    orgs: specs.map(({ spec, origin }) => ({
      spec,
      credentials: credentialsOf(spec, 'store'),
      origin,
      targetOrg: spec.username,
    })),
  };
}

async function readAliases(file: string): Promise<Map<string, string>> {
  const byUser = new Map<string, string>();
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as { orgs?: Record<string, unknown> };
    for (const [alias, username] of Object.entries(raw.orgs ?? {})) {
      if (typeof username === 'string' && !byUser.has(username)) byUser.set(username, alias);
    }
  } catch {
    // no aliases
  }
  return byUser;
}

// ------------------------------------------------------------------------------------------------ selection

/** Only the orgs whose aliases `only` names, in the fleet's order; an alias not in the fleet is ManifestInvalid. */
export function selectOrgs(fleet: Fleet, only: string[] | undefined): Fleet {
  if (!only || only.length === 0) return fleet;
  const wanted = only.map((a) => a.trim()).filter((a) => a.length > 0);
  const known = new Set(fleet.orgs.map((o) => o.spec.alias));
  const missing = wanted.filter((a) => !known.has(a));
  if (missing.length > 0) {
    throw invalid(fleet.origin, say('problem.onlyUnknown', [missing.join(', '), [...known].join(', ')]), fleet.origin);
  }
  return { ...fleet, orgs: fleet.orgs.filter((o) => wanted.includes(o.spec.alias)) };
}

/** An alias a flag names (--set-default) must be in the fleet. */
export function requireAlias(fleet: Fleet, alias: string, flag: string): void {
  if (!fleet.orgs.some((o) => o.spec.alias === alias)) {
    throw invalid(
      fleet.origin,
      say('problem.flagAliasUnknown', [flag, alias, fleet.orgs.map((o) => o.spec.alias).join(', ')]),
      fleet.origin,
    );
  }
}
