/*
 * The app's committed source in the project: the component that holds its certificate, found wherever it is (every
 * package folder of sfdx-project.json, or the folders given), so that a rotation can carry the new certificate into
 * the repository too. Otherwise the pipeline's next `sf project deploy start` puts the old certificate back and the
 * rotated key stops logging in.
 *
 * Only the text of the <certificate> element changes: every other byte of the file stays as it was (formatting,
 * comments, the consumer key or its absence). A file naming another consumer key describes another org's app of the
 * same name and is left alone. Found and checked before anything changes; written only when the org holds the new
 * certificate; put back, byte for byte, when the rotation is rolled back.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { reason } from '../errors.js';
import { snapshotFiles, writeFilesAtomically, type FileSnapshot } from '../util/files.js';
import { projectPackageDirectories } from '../util/package-dirs.js';
import { CONNECTED_APP_TYPE } from './connected-app.js';
import { ECA_TYPES } from './external-client-app.js';
import type { AppKind } from './names.js';
import { escapeXml } from './xml.js';

export type LocalSourceFile = { path: string; text: string };

export type LocalSource = {
  /** The folders searched (absolute); empty when there was nowhere to look (no sfdx-project.json, no --source-dir). */
  searched: string[];
  /** The app's certificate component in those folders, each to be updated. */
  files: LocalSourceFile[];
  /** Files of the same name left alone, with why (another consumer key, no certificate element). */
  skipped: Array<{ path: string; why: string }>;
};

export type LocalSourceOptions = {
  app: string;
  kind: AppKind;
  /** The app's consumer key in the org: a local file that names another is another org's app. */
  consumerKey: string;
  /** --source-dir; default: every package folder of the sfdx-project.json around `cwd`. */
  sourceDirs?: string[];
  cwd?: string;
};

/** The source-format file name of the component that holds the certificate of `app` of `kind`. */
export function certificateSourceName(kind: AppKind, app: string): string {
  if (kind === 'connected') return `${app}.${CONNECTED_APP_TYPE.suffix}-meta.xml`;
  const t = ECA_TYPES.globalOauthSettings;
  return `${app}${t.nameSuffix}.${t.suffix}-meta.xml`;
}

/** Every file called `name` under `dir`, skipping dot-folders and node_modules (symbolic links are not followed). */
async function findNamed(dir: string, name: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') {
      // eslint-disable-next-line no-await-in-loop
      found.push(...(await findNamed(path, name)));
    } else if (entry.isFile() && entry.name === name) {
      found.push(path);
    }
  }
  return found;
}

type Range = { start: number; end: number };

/** The inner text range of the first <name> element within `within`, or undefined. */
function innerRange(text: string, name: string, within: Range): Range | undefined {
  const open = new RegExp(`<${name}(\\s[^>]*)?>`).exec(text.slice(within.start, within.end));
  if (!open) return undefined;
  const start = within.start + open.index + open[0].length;
  const end = text.indexOf(`</${name}>`, start);
  return end < 0 || end > within.end ? undefined : { start, end };
}

/** Where the certificate and the consumer key are: in oauthConfig for a Connected App, at the top for an ECA's. */
function certificateRanges(xml: string, kind: AppKind): { certificate?: Range; consumerKey?: Range } {
  const whole = { start: 0, end: xml.length };
  const scope = kind === 'connected' ? innerRange(xml, 'oauthConfig', whole) : whole;
  if (!scope) return {};
  return { certificate: innerRange(xml, 'certificate', scope), consumerKey: innerRange(xml, 'consumerKey', scope) };
}

/** `xml` with the text of its certificate element replaced by `certificatePem`, every other byte unchanged. */
export function withCertificate(xml: string, kind: AppKind, certificatePem: string): string {
  const { certificate } = certificateRanges(xml, kind);
  if (!certificate) throw new Error('no certificate element');
  return xml.slice(0, certificate.start) + escapeXml(certificatePem.trim()) + xml.slice(certificate.end);
}

/** Find the app's certificate component in the project; reads, never writes. */
export async function findLocalSource(options: LocalSourceOptions): Promise<LocalSource> {
  const cwd = options.cwd ?? process.cwd();
  const searched =
    options.sourceDirs && options.sourceDirs.length > 0
      ? [...new Set(options.sourceDirs.map((d) => resolve(cwd, d)))]
      : projectPackageDirectories(cwd).dirs;
  const name = certificateSourceName(options.kind, options.app);
  const paths = [...new Set((await Promise.all(searched.map((dir) => findNamed(dir, name)))).flat())].sort();
  const files: LocalSourceFile[] = [];
  const skipped: LocalSource['skipped'] = [];
  for (const path of paths) {
    // eslint-disable-next-line no-await-in-loop
    const text = await readFile(path, 'utf8');
    const ranges = certificateRanges(text, options.kind);
    const key = ranges.consumerKey ? text.slice(ranges.consumerKey.start, ranges.consumerKey.end).trim() : undefined;
    if (!ranges.certificate) skipped.push({ path, why: reason('localSource.noCertificate') });
    else if (key !== undefined && key !== options.consumerKey)
      skipped.push({ path, why: reason('localSource.otherConsumerKey', [key]) });
    else files.push({ path, text });
  }
  return { searched, files, skipped };
}

/**
 * Write the new certificate into every found file (all or none, each keeping its mode); returns what they held
 * before, for restoreFiles when the rotation is rolled back.
 */
export async function updateLocalSource(
  source: LocalSource,
  kind: AppKind,
  certificatePem: string,
): Promise<FileSnapshot> {
  if (source.files.length === 0) return [];
  const before = await snapshotFiles(source.files.map((f) => f.path));
  await writeFilesAtomically(
    source.files.map((f, i) => ({
      path: f.path,
      data: withCertificate(f.text, kind, certificatePem),
      mode: before[i].mode ?? 0o644,
    })),
    { overwrite: true },
  );
  return before;
}
