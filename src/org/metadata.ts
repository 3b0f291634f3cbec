/*
 * Deploy and retrieve through @salesforce/source-deploy-retrieve, the library `sf project deploy start` uses: SOAP by
 * default, REST where the sf config `org-metadata-rest-deploy` (or SF_ORG_METADATA_REST_DEPLOY) says so. Imported only
 * by the org-side commands, so that `login` never loads it.
 *
 * Retrieves stay in memory: the zip Salesforce returns is read with JSZip and never written to disk (it can hold a
 * consumer secret).
 */
import { ConfigAggregator, type Connection } from '@salesforce/core';
import { ComponentSet, RequestStatus, type MetadataApiDeployStatus } from '@salesforce/source-deploy-retrieve';
import JSZip from 'jszip';

export type ComponentFailure = { type: string; name: string; problem: string };

export type DeployOutcome = {
  id: string;
  status: string;
  success: boolean;
  failures: ComponentFailure[];
  componentsDeployed: number;
  componentsTotal: number;
  /** Whether it went over REST (else SOAP). */
  rest: boolean;
};

export type DeployProgress = { status: string; deployed: number; total: number; errors: number };

export type DeployOptions = {
  connection: Connection;
  /** Source-format files or folders to deploy. */
  paths: string[];
  apiVersion?: string;
  /** Milliseconds to wait for the deploy to finish. */
  waitMs: number;
  onProgress?: (progress: DeployProgress) => void;
};

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Whether `sf project deploy start` would deploy over REST here (config or environment). */
export async function restDeployConfigured(): Promise<boolean> {
  const config = await ConfigAggregator.create();
  const value = config.getPropertyValue('org-metadata-rest-deploy');
  return value === true || String(value).toLowerCase() === 'true';
}

export function componentFailures(status: Pick<MetadataApiDeployStatus, 'details'> | undefined): ComponentFailure[] {
  return asArray(status?.details?.componentFailures).map((f) => ({
    type: f.componentType ?? '',
    name: f.fullName ?? f.fileName ?? '',
    problem: f.problem ?? '',
  }));
}

export async function deploySource(options: DeployOptions): Promise<DeployOutcome> {
  const set = ComponentSet.fromSource(options.paths);
  if (options.apiVersion) set.sourceApiVersion = options.apiVersion;
  const rest = await restDeployConfigured();
  const deploy = await set.deploy({
    usernameOrConnection: options.connection,
    apiOptions: { rollbackOnError: true, rest },
  });
  if (options.onProgress) {
    deploy.onUpdate((status) =>
      options.onProgress?.({
        status: status.status,
        deployed: status.numberComponentsDeployed ?? 0,
        total: status.numberComponentsTotal ?? 0,
        errors: status.numberComponentErrors ?? 0,
      }),
    );
  }
  const result = await deploy.pollStatus({
    frequency: { milliseconds: 1000 } as never,
    timeout: msDuration(options.waitMs),
  });
  const response = result.response;
  return {
    id: response.id,
    status: response.status,
    success: response.status === RequestStatus.Succeeded,
    failures: componentFailures(response),
    componentsDeployed: Number(response.numberComponentsDeployed ?? 0),
    componentsTotal: Number(response.numberComponentsTotal ?? 0),
    rest,
  };
}

/** @salesforce/kit's Duration without importing it here: SDR reads `milliseconds`. */
function msDuration(ms: number): never {
  return { milliseconds: ms, seconds: Math.ceil(ms / 1000) } as never;
}

export type MetadataMember = { type: string; fullName: string };

/**
 * Retrieve `members` in metadata format and return the files of the zip, path -> text, without writing anything.
 * `*` as a fullName retrieves every component of the type.
 */
export async function retrieveInMemory(
  connection: Connection,
  members: MetadataMember[],
  options: { waitMs: number; apiVersion?: string },
): Promise<Map<string, string>> {
  const set = new ComponentSet(members.map((m) => ({ fullName: m.fullName, type: m.type })));
  if (options.apiVersion) set.sourceApiVersion = options.apiVersion;
  // `output` is required by the options type; the zip is read from the status below and never extracted there.
  const retrieve = await set.retrieve({ usernameOrConnection: connection, output: '.', format: 'metadata' });
  const giveUp = Date.now() + options.waitMs;
  let delay = 250;
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    const status = await retrieve.checkStatus();
    if (status.done === true || String(status.done) === 'true') {
      if (!status.zipFile) return new Map();
      // eslint-disable-next-line no-await-in-loop
      return unzipText(Buffer.from(status.zipFile, 'base64'));
    }
    if (Date.now() + delay > giveUp) throw new RetrieveTimeout(retrieve.id ?? '');
    // eslint-disable-next-line no-await-in-loop
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

export class RetrieveTimeout extends Error {
  public constructor(public readonly retrieveId: string) {
    super(`retrieve ${retrieveId} did not finish in time`);
  }
}

async function unzipText(zip: Buffer): Promise<Map<string, string>> {
  const archive = await JSZip.loadAsync(zip);
  const files = new Map<string, string>();
  await Promise.all(
    Object.values(archive.files)
      .filter((f) => !f.dir)
      .map(async (f) => files.set(f.name, await f.async('string'))),
  );
  return files;
}
