/*
 * Read External Client Apps and Connected Apps back from source-format metadata: what a JWT login needs to know of
 * each (consumer key, certificate, who is admitted). Used by tests and by the Salesforce emulator to configure
 * itself from the files `sf jwt-setup app` wrote (or any project's).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jwtError, reason } from '../errors.js';
import { childNode, childText, childTexts, parseXml, XmlParseError, type XmlNode } from './xml.js';

export type AppMetadata = {
  kind: 'external' | 'connected';
  /** API name of the app */
  name: string;
  consumerKey: string;
  /** PEM, ending in a newline */
  certificatePem: string;
  /** "Admin approved users are pre-authorized" */
  preAuthorized: boolean;
  permissionSets: string[];
  profiles: string[];
};

const SUFFIXES = {
  eca: '.eca-meta.xml',
  globalOauth: '.ecaGlblOauth-meta.xml',
  oauthPolicies: '.ecaOauthPlcy-meta.xml',
  connectedApp: '.connectedApp-meta.xml',
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

async function readRoot(path: string, expected: string): Promise<XmlNode> {
  let root: XmlNode;
  try {
    root = parseXml(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof XmlParseError) throw jwtError('AppMetadataMalformed', [path, error.message]);
    throw error;
  }
  if (root.name !== expected) throw jwtError('AppMetadataMalformed', [path, reason('xml.root', [root.name, expected])]);
  return root;
}

function fullNameOf(path: string, suffix: string): string {
  const base = path.split(/[\\/]/).pop() as string;
  return base.slice(0, base.length - suffix.length);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function normalizePem(text: string): string {
  return `${text.trim().replace(/\r\n/g, '\n')}\n`;
}

/**
 * The apps defined under `dir` (a package folder such as force-app/main/default, or a project root). An app without
 * both a consumer key and a certificate cannot take JWT logins and is left out.
 */
export async function readAppMetadata(dir: string): Promise<AppMetadata[]> {
  const files = await walk(dir);
  const ofSuffix = (suffix: string): string[] => files.filter((f) => f.endsWith(suffix));
  const apps: AppMetadata[] = [];

  // External Client Apps: the header names the app; the other files name it in <externalClientApplication>.
  const ecaNames = ofSuffix(SUFFIXES.eca).map((f) => fullNameOf(f, SUFFIXES.eca));
  const globals = new Map<string, XmlNode>();
  for (const f of ofSuffix(SUFFIXES.globalOauth)) {
    // eslint-disable-next-line no-await-in-loop
    const root = await readRoot(f, 'ExtlClntAppGlobalOauthSettings');
    globals.set(childText(root, 'externalClientApplication') ?? '', root);
  }
  const policies = new Map<string, XmlNode>();
  for (const f of ofSuffix(SUFFIXES.oauthPolicies)) {
    // eslint-disable-next-line no-await-in-loop
    const root = await readRoot(f, 'ExtlClntAppOauthConfigurablePolicies');
    policies.set(childText(root, 'externalClientApplication') ?? '', root);
  }
  for (const name of ecaNames) {
    const global = globals.get(name);
    const consumerKey = global && childText(global, 'consumerKey');
    const certificate = global && childText(global, 'certificate');
    if (!consumerKey || !certificate) continue;
    const policy = policies.get(name);
    apps.push({
      kind: 'external',
      name,
      consumerKey,
      certificatePem: normalizePem(certificate),
      preAuthorized:
        policy !== undefined && childText(policy, 'permittedUsersPolicyType') === 'AdminApprovedPreAuthorized',
      permissionSets: policy ? splitList(childText(policy, 'commaSeparatedPermissionSet')) : [],
      profiles: policy ? splitList(childText(policy, 'commaSeparatedProfile')) : [],
    });
  }

  // Connected Apps: one file each.
  for (const f of ofSuffix(SUFFIXES.connectedApp)) {
    // eslint-disable-next-line no-await-in-loop
    const root = await readRoot(f, 'ConnectedApp');
    const oauth = childNode(root, 'oauthConfig');
    const consumerKey = oauth && childText(oauth, 'consumerKey');
    const certificate = oauth && childText(oauth, 'certificate');
    if (!oauth || !consumerKey || !certificate) continue;
    apps.push({
      kind: 'connected',
      name: fullNameOf(f, SUFFIXES.connectedApp),
      consumerKey,
      certificatePem: normalizePem(certificate),
      preAuthorized: childText(oauth, 'isAdminApproved') === 'true',
      permissionSets: childTexts(root, 'permissionSetName'),
      profiles: childTexts(root, 'profileName'),
    });
  }
  return apps;
}
