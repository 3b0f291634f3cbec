/*
 * Helpers for the org-side emulator tests: the plugin's own app files (src/app) in source or metadata format, a
 * metadata-format zip, REST and SOAP deploys and retrieves by hand, and a JWT login.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { externalClientAppFiles } from '../../src/app/external-client-app.js';
import { connectedAppFiles } from '../../src/app/connected-app.js';
import { permissionSetFile } from '../../src/app/permission-set.js';
import type { AppSpec, MetadataFile } from '../../src/app/types.js';
import { TYPES } from './metadata/components.js';
import { requestToken, signAssertion, type TestCredentials } from './testkit.js';

export type AppOptions = {
  kind?: 'external' | 'connected';
  permissionSet?: string;
  consumerKey?: string;
  profiles?: string[];
  apiVersion?: string;
};

/** The files `sf jwt-setup app` writes (source format, …-meta.xml), plus the permission set when one is named. */
export function appFiles(name: string, certificatePem: string, options: AppOptions = {}): MetadataFile[] {
  const apiVersion = options.apiVersion ?? '64.0';
  const spec = {
    kind: options.kind ?? 'external',
    name,
    label: name.replace(/_/g, ' '),
    description: `${name} for CI`,
    contactEmail: 'admin@acme.example',
    consumerKey: options.consumerKey,
    certificatePem,
    scopes: ['api', 'refresh_token'],
    metadataScopes: ['Api', 'RefreshToken'],
    permissionSet: options.permissionSet,
    profiles: options.profiles ?? [],
    apiVersion,
    apiMajor: Math.trunc(Number(apiVersion)),
    callbackUrl: 'http://localhost:1717/OauthRedirect',
  } as unknown as AppSpec;
  const files = spec.kind === 'connected' ? connectedAppFiles(spec) : externalClientAppFiles(spec);
  return options.permissionSet
    ? [...files, permissionSetFile(options.permissionSet, spec.label, spec.apiMajor)]
    : files;
}

/** Writes an sfdx project with the files under force-app/main/default; returns its folder. */
export async function writeProject(files: MetadataFile[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emu-project-'));
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '64.0' }),
  );
  for (const f of files) {
    const path = join(dir, 'force-app', 'main', 'default', f.relativePath);
    // eslint-disable-next-line no-await-in-loop
    await mkdir(dirname(path), { recursive: true });
    // eslint-disable-next-line no-await-in-loop
    await writeFile(path, f.content);
  }
  return dir;
}

/** A metadata-format deploy zip (package.xml at the root, no -meta.xml) of source-format files. */
export async function mdapiZip(
  files: MetadataFile[],
  version = '64.0',
  override: Record<string, string> = {},
): Promise<Buffer> {
  const zip = new JSZip();
  const members = new Map<string, string[]>();
  for (const f of files) {
    const path = f.relativePath.replace(/-meta\.xml$/, '');
    zip.file(path, override[f.fullName] ?? f.content);
    const type = TYPES.find((t) => path.startsWith(`${t.folder}/`))?.type ?? f.type;
    members.set(type, [...(members.get(type) ?? []), f.fullName]);
  }
  const types = [...members].map(
    ([name, m]) =>
      `  <types>\n${m.map((x) => `    <members>${x}</members>\n`).join('')}    <name>${name}</name>\n  </types>`,
  );
  zip.file(
    'package.xml',
    `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n${types.join('\n')}\n  <version>${version}</version>\n</Package>\n`,
  );
  return zip.generateAsync({ type: 'nodebuffer' });
}

type Json = Record<string, unknown>;

/** POST …/metadata/deployRequest (multipart) and poll until done; returns every answer, the last one's deployResult. */
export async function restDeploy(
  url: string,
  token: string,
  zip: Buffer,
  deployOptions: Json = {},
): Promise<{ created: Json; polls: Json[]; result: Json }> {
  const form = new FormData();
  form.append('entity_content', new Blob([JSON.stringify({ deployOptions })], { type: 'application/json' }));
  form.append('file', new Blob([zip], { type: 'application/zip' }), 'deploy.zip');
  const res = await fetch(`${url}/services/data/v64.0/metadata/deployRequest`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  const created = (await res.json()) as Json;
  if (res.status !== 201) throw new Error(`deployRequest: ${res.status} ${JSON.stringify(created)}`);
  const polls: Json[] = [];
  for (let i = 0; i < 20; i++) {
    const pollUrl = `${url}/services/data/v64.0/metadata/deployRequest/${created.id as string}?includeDetails=true`;
    // eslint-disable-next-line no-await-in-loop
    const response = await fetch(pollUrl, { headers: { Authorization: `Bearer ${token}` } });
    // eslint-disable-next-line no-await-in-loop
    const poll = (await response.json()) as Json;
    polls.push(poll);
    if ((poll.deployResult as Json).done === true) return { created, polls, result: poll.deployResult as Json };
  }
  throw new Error('deploy never finished');
}

const soapParser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false });

/** One SOAP call to /services/Soap/m/64.0; returns the HTTP status and the parsed Body's first child (or the Fault). */
export async function soapCall(
  url: string,
  sessionId: string,
  operation: string,
  inner: string,
): Promise<{ status: number; body: Json; raw: string }> {
  const envelope =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soapenv:Header xmlns="http://soap.sforce.com/2006/04/metadata"><SessionHeader><sessionId>${sessionId}</sessionId></SessionHeader></soapenv:Header>` +
    `<soapenv:Body xmlns="http://soap.sforce.com/2006/04/metadata"><${operation}>${inner}</${operation}></soapenv:Body></soapenv:Envelope>`;
  const res = await fetch(`${url}/services/Soap/m/64.0`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml', SOAPAction: '""' },
    body: envelope,
  });
  const raw = await res.text();
  const parsed = soapParser.parse(raw) as { Envelope: { Body: Json } };
  const body = parsed.Envelope.Body;
  return { status: res.status, body: body[Object.keys(body)[0]] as Json, raw };
}

/** SOAP retrieve + checkRetrieveStatus until done; returns the result and the zip's files (path -> text). */
export async function soapRetrieve(
  url: string,
  token: string,
  types: Array<{ name: string; members: string[] }>,
): Promise<{ result: Json; files: Map<string, string> }> {
  const request = `<retrieveRequest><apiVersion>64.0</apiVersion><singlePackage>true</singlePackage><unpackaged>${types
    .map((t) => `<types>${t.members.map((m) => `<members>${m}</members>`).join('')}<name>${t.name}</name></types>`)
    .join('')}</unpackaged></retrieveRequest>`;
  const started = await soapCall(url, token, 'retrieve', request);
  const id = (started.body.result as Json).id as string;
  let result: Json = {};
  for (let poll = 0; poll < 10 && result.done !== 'true'; poll++) {
    const statusCall = `<asyncProcessId>${id}</asyncProcessId><includeZip>true</includeZip>`;
    // eslint-disable-next-line no-await-in-loop
    const answer = await soapCall(url, token, 'checkRetrieveStatus', statusCall);
    result = answer.body.result as Json;
  }
  if (result.done === 'true') {
    const zip = await JSZip.loadAsync(Buffer.from(result.zipFile as string, 'base64'));
    const names = Object.keys(zip.files).filter((n) => !zip.files[n].dir);
    const texts = await Promise.all(names.map((n) => zip.files[n].async('string')));
    return { result, files: new Map(names.map((n, i) => [n, texts[i]])) };
  }
  throw new Error('retrieve never finished');
}

/** A JWT bearer login at the emulator: the token endpoint's answer. */
export async function jwtLogin(
  url: string,
  creds: TestCredentials,
  consumerKey: string,
  username: string,
): Promise<{ status: number; body: Json }> {
  const res = await requestToken(
    url,
    await signAssertion(creds.privateKey, { iss: consumerKey, sub: username, aud: 'https://login.salesforce.com' }),
  );
  return { status: res.status, body: res.body };
}

export async function query(url: string, token: string, soql: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/services/data/v64.0/query?q=${encodeURIComponent(soql)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Json };
}
