/*
 * Deploy and retrieve archives. A deploy zip holds package.xml at its root or under one top folder (as the Ant
 * Migration Tool and `sf project deploy start --metadata-dir` make them), and metadata-format files.
 */
import JSZip from 'jszip';

export type DeployArchive = {
  /** '' or 'unpackaged/' etc.: what precedes package.xml in the zip */
  prefix: string;
  packageXml: string;
  /** path relative to the prefix -> UTF-8 text */
  files: Map<string, string>;
};

export class ArchiveError extends Error {}

export async function readDeployZip(zipBytes: Buffer): Promise<DeployArchive> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(zipBytes);
  } catch (error) {
    throw new ArchiveError(`The zip file is not valid: ${(error as Error).message}`);
  }
  const names = Object.keys(zip.files).filter((n) => !zip.files[n].dir);
  const manifests = names.filter((n) => /^([^/]+\/)?package\.xml$/.test(n));
  const manifest = manifests.find((n) => n === 'package.xml') ?? (manifests.length === 1 ? manifests[0] : undefined);
  if (!manifest) throw new ArchiveError('No package.xml found');
  const prefix = manifest.slice(0, -'package.xml'.length);
  const files = new Map<string, string>();
  for (const name of names) {
    if (name === manifest || !name.startsWith(prefix)) continue;
    // eslint-disable-next-line no-await-in-loop
    files.set(name.slice(prefix.length), await zip.files[name].async('string'));
  }
  return { prefix, packageXml: await zip.files[manifest].async('string'), files };
}

/** A retrieve zip: every path under `unpackaged/`, as Salesforce returns unpackaged retrieves. */
export async function writeRetrieveZip(files: Map<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [path, content] of files) zip.file(`unpackaged/${path}`, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
