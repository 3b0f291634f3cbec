/*
 * Deploy and retrieve through @salesforce/source-deploy-retrieve, the library `sf project deploy start` uses: SOAP by
 * default, REST where the sf config `org-metadata-rest-deploy` (or SF_ORG_METADATA_REST_DEPLOY) says so. Imported only
 * by the org-side commands, so that `login` never loads it.
 *
 * Retrieves stay in memory: the zip Salesforce returns is read with JSZip and never written to disk (it can hold a
 * consumer secret).
 */
import { basename, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { ConfigAggregator, type Connection } from '@salesforce/core';
import {
  ComponentSet,
  RequestStatus,
  VirtualTreeContainer,
  type MetadataApiDeployStatus,
  type VirtualDirectory,
} from '@salesforce/source-deploy-retrieve';
import JSZip from 'jszip';
import { bounded } from '../errors.js';

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
  /** How a deploy whose reply was lost was settled: its status asked again, or the org read back. */
  settledBy?: 'status' | 'org';
};

export type DeployProgress = { status: string; deployed: number; total: number; errors: number };

/** A deploy's source: files on disk, or files held in memory (nothing written: they may hold a consumer key). */
export type DeploySource = { paths: string[] } | { files: Array<{ path: string; text: string }> };

export type DeployOptions = {
  connection: Connection;
  source: DeploySource;
  apiVersion?: string;
  /** Milliseconds to wait for the deploy to finish. */
  waitMs: number;
  onProgress?: (progress: DeployProgress) => void;
  /** Said when a status request gets no answer (the deploy goes on in the org; polling retries until the wait ends). */
  onLostReply?: (deployId: string, error: unknown) => void;
};

/**
 * The deploy's outcome could not be learnt: the reply to the deploy request itself was lost (no id), or every status
 * request failed in transit until the wait ended. The deploy may have been applied, or not.
 */
export class DeployReplyLost extends Error {
  public constructor(
    public readonly deployId: string | undefined,
    public readonly reason: unknown,
  ) {
    super(`the reply to the deploy${deployId ? ` ${deployId}` : ''} was lost: ${describeFailure(reason)}`);
  }
}

/** The deploy is still running when the wait ends (its status answers, it is not done). */
export class DeployStillRunning extends Error {
  public constructor(public readonly deployId: string) {
    super(`deploy ${deployId} did not finish in time`);
  }
}

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

/** What went wrong in transit, in a few words (the first message down the cause chain that says something). */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
  }
  return bounded(parts.length > 0 ? parts.join(': ') : String(error));
}

/**
 * A request that got no answer from Salesforce (connection refused, reset or dropped, a timeout, a gateway or
 * maintenance page): what it did in the org is unknown. A SOAP fault or an error status from Salesforce is an answer.
 */
const LOST =
  /fetch failed|socket hang up|other side closed|ECONN(RESET|REFUSED|ABORTED)|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR|network|terminated|ERROR_HTTP_(5\d\d|420)|<html/i;
export function isLostReply(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown; errorCode?: unknown }).code ?? (e as { errorCode?: unknown }).errorCode;
    if (LOST.test(e.message) || (typeof code === 'string' && LOST.test(code))) return true;
  }
  return false;
}

/** SDR's tree of files in memory, whose stream() (which SDR's converter reads a file through) it leaves unimplemented. */
class MemoryTree extends VirtualTreeContainer {
  public stream(fsPath: string): Readable {
    return Readable.from([this.readFileSync(fsPath)]);
  }
}

/** The components of `source`, read from disk or from a tree in memory (SDR resolves both alike). */
function componentSet(source: DeploySource): ComponentSet {
  if ('paths' in source) return ComponentSet.fromSource(source.paths);
  const dirs = new Map<string, VirtualDirectory>();
  const dirOf = (dirPath: string): VirtualDirectory => {
    let dir = dirs.get(dirPath);
    if (!dir) {
      dir = { dirPath, children: [] };
      dirs.set(dirPath, dir);
      const parent = dirname(dirPath);
      if (parent !== dirPath) dirOf(parent).children.push(basename(dirPath));
    }
    return dir;
  };
  for (const file of source.files) {
    dirOf(dirname(file.path)).children.push({ name: basename(file.path), data: Buffer.from(file.text, 'utf8') });
  }
  const fsPaths = source.files.map((f) => f.path);
  return ComponentSet.fromSource({ fsPaths, tree: new MemoryTree([...dirs.values()]) });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `promise`, or `undefined` when it has not settled by `deadline` (a request Salesforce never answers). */
export async function until<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(deadline - Date.now(), 0));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Status polls: the first ones come sooner, then one a second (as `sf project deploy start` polls). The deploys here
 * are small (a permission set, an app), often done within a second or two of being queued, and a fixed 1 s interval
 * finds them done on average half a second late, each; two more status calls at most cost nothing that matters.
 */
const POLL_STEPS_MS = [250, 500, 1000];
const LOST_RETRY_MS = 2000;

/**
 * Deploy and poll until done. A refusal is an outcome (success false); a request that gets no answer is not a refusal:
 * status requests are retried until the wait ends, and a deploy whose outcome cannot be learnt is DeployReplyLost.
 */
export async function deploySource(options: DeployOptions): Promise<DeployOutcome> {
  const deadline = Date.now() + options.waitMs;
  const set = componentSet(options.source);
  if (options.apiVersion) set.sourceApiVersion = options.apiVersion;
  const rest = await restDeployConfigured();
  let deploy: Awaited<ReturnType<ComponentSet['deploy']>>;
  try {
    deploy = await set.deploy({
      usernameOrConnection: options.connection,
      apiOptions: { rollbackOnError: true, rest },
    });
  } catch (error) {
    if (isLostReply(error)) throw new DeployReplyLost(undefined, error);
    throw error;
  }
  const id = deploy.id ?? '';
  let lost: unknown;
  for (let poll = 0; ; poll++) {
    let status: MetadataApiDeployStatus | undefined;
    try {
      // eslint-disable-next-line no-await-in-loop
      status = await until(deploy.checkStatus(), deadline);
      if (status === undefined) throw new DeployReplyLost(id, new Error('no answer before the wait ended'));
      lost = undefined;
    } catch (error) {
      if (!(error instanceof DeployReplyLost) && !isLostReply(error)) throw error;
      lost = error instanceof DeployReplyLost ? error.reason : error;
      options.onLostReply?.(id, lost);
    }
    if (status && (status.done === true || String(status.done) === 'true')) return outcomeOf(status, rest);
    if (status) options.onProgress?.(progressOf(status));
    const delay = lost === undefined ? POLL_STEPS_MS[Math.min(poll, POLL_STEPS_MS.length - 1)] : LOST_RETRY_MS;
    if (Date.now() + delay > deadline) {
      if (lost !== undefined) throw new DeployReplyLost(id, lost);
      throw new DeployStillRunning(id);
    }
    // eslint-disable-next-line no-await-in-loop
    await sleep(delay);
  }
}

function progressOf(status: MetadataApiDeployStatus): DeployProgress {
  return {
    status: status.status,
    deployed: Number(status.numberComponentsDeployed ?? 0),
    total: Number(status.numberComponentsTotal ?? 0),
    errors: Number(status.numberComponentErrors ?? 0),
  };
}

function outcomeOf(status: MetadataApiDeployStatus, rest: boolean): DeployOutcome {
  return {
    id: status.id,
    status: status.status,
    success: status.status === RequestStatus.Succeeded,
    failures: componentFailures(status),
    componentsDeployed: Number(status.numberComponentsDeployed ?? 0),
    componentsTotal: Number(status.numberComponentsTotal ?? 0),
    rest,
  };
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
