/*
 * Read External Client Apps and Connected Apps back from source-format metadata: what a JWT login needs to know of
 * each (consumer key, certificate, who is admitted): from a project's package folder (bootstrap's re-runs, rotate's
 * local consumer key), or from the zip of a retrieve (doctor --admin-org, rotate), in memory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jwtError, reason } from '../errors.js';
import { childNode, childText, childTexts, parseXml, XmlParseError, type XmlNode } from './xml.js';

export type AppMetadata = {
  kind: 'external' | 'connected';
  /** API name of the app */
  name: string;
  /** Absent when the org withholds it from a retrieve (no access to consumer secrets via the Metadata API). */
  consumerKey?: string;
  /** PEM, ending in a newline; absent when the app has no certificate (no JWT logins). */
  certificatePem?: string;
  /** "Admin approved users are pre-authorized" */
  preAuthorized: boolean;
  permissionSets: string[];
  profiles: string[];
};

/** The file endings of the types that matter, in source format (`-meta.xml`) and in metadata format (a retrieve's zip). */
const SUFFIXES = {
  eca: ['.eca-meta.xml', '.eca'],
  globalOauth: ['.ecaGlblOauth-meta.xml', '.ecaGlblOauth'],
  oauthPolicies: ['.ecaOauthPlcy-meta.xml', '.ecaOauthPlcy'],
  connectedApp: ['.connectedApp-meta.xml', '.connectedApp'],
} as const;

/** Every file under `dir` (recursively), skipping dot-folders and node_modules. */
async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // eslint-disable-next-line no-await-in-loop
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') out.push(...(await walk(path)));
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
  return out.sort();
}

function readRoot(path: string, text: string, expected: string): XmlNode {
  let root: XmlNode;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlParseError) throw jwtError('AppMetadataMalformed', [path, error.message]);
    throw error;
  }
  if (root.name !== expected) throw jwtError('AppMetadataMalformed', [path, reason('xml.root', [root.name, expected])]);
  return root;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function normalizePem(text: string | undefined): string | undefined {
  return text ? `${text.trim().replace(/\r\n/g, '\n')}\n` : undefined;
}

/**
 * The apps in a set of metadata files (path -> XML text), source format or metadata format alike: a package folder
 * read from disk, or the zip of a retrieve, never written anywhere.
 */
export function parseAppMetadata(files: Map<string, string>): AppMetadata[] {
  const paths = [...files.keys()].sort();
  const ofType = (suffixes: readonly string[]): Array<{ path: string; name: string }> =>
    paths.flatMap((path) => {
      const base = path.split(/[\\/]/).pop() as string;
      const suffix = suffixes.find((s) => base.endsWith(s));
      return suffix ? [{ path, name: base.slice(0, base.length - suffix.length) }] : [];
    });
  const root = (path: string, expected: string): XmlNode => readRoot(path, files.get(path) as string, expected);
  const byApp = (suffixes: readonly string[], expected: string): Map<string, XmlNode> =>
    new Map(
      ofType(suffixes).map(({ path }) => {
        const node = root(path, expected);
        return [childText(node, 'externalClientApplication') ?? '', node];
      }),
    );
  const globals = byApp(SUFFIXES.globalOauth, 'ExtlClntAppGlobalOauthSettings');
  const policies = byApp(SUFFIXES.oauthPolicies, 'ExtlClntAppOauthConfigurablePolicies');
  const apps: AppMetadata[] = [];
  // External Client Apps: the header names the app; the other components name it in <externalClientApplication>.
  for (const { name } of ofType(SUFFIXES.eca)) {
    const global = globals.get(name);
    const policy = policies.get(name);
    apps.push({
      kind: 'external',
      name,
      consumerKey: global && childText(global, 'consumerKey'),
      certificatePem: normalizePem(global && childText(global, 'certificate')),
      preAuthorized:
        policy !== undefined && childText(policy, 'permittedUsersPolicyType') === 'AdminApprovedPreAuthorized',
      permissionSets: policy ? splitList(childText(policy, 'commaSeparatedPermissionSet')) : [],
      profiles: policy ? splitList(childText(policy, 'commaSeparatedProfile')) : [],
    });
  }
  // Connected Apps: one file each.
  for (const { path, name } of ofType(SUFFIXES.connectedApp)) {
    const node = root(path, 'ConnectedApp');
    const oauth = childNode(node, 'oauthConfig');
    apps.push({
      kind: 'connected',
      name,
      consumerKey: oauth && childText(oauth, 'consumerKey'),
      certificatePem: normalizePem(oauth && childText(oauth, 'certificate')),
      preAuthorized: oauth !== undefined && childText(oauth, 'isAdminApproved') === 'true',
      permissionSets: childTexts(node, 'permissionSetName'),
      profiles: childTexts(node, 'profileName'),
    });
  }
  return apps;
}

/**
 * The apps defined under `dir` (a package folder such as force-app/main/default, or a project root) that can take JWT
 * logins: those with both a consumer key and a certificate.
 */
export async function readAppMetadata(
  dir: string,
): Promise<Array<AppMetadata & { consumerKey: string; certificatePem: string }>> {
  const all = [SUFFIXES.eca, SUFFIXES.globalOauth, SUFFIXES.oauthPolicies, SUFFIXES.connectedApp].flat();
  const paths = (await walk(dir)).filter((f) => all.some((suffix) => f.endsWith(suffix)));
  const files = new Map(await Promise.all(paths.map(async (p) => [p, await readFile(p, 'utf8')] as const)));
  return parseAppMetadata(files).filter(
    (app): app is AppMetadata & { consumerKey: string; certificatePem: string } =>
      Boolean(app.consumerKey) && Boolean(app.certificatePem),
  );
}
