/*
 * Deploy jobs, shared by the SOAP (deploy / checkDeployStatus / cancelDeploy) and REST (deployRequest) doors.
 *
 * A job is checked when it arrives (zip, package.xml, every file, then the org-dependent checks) but reports
 * Pending, then InProgress for `deployPolls` polls with done:false; the next poll finishes it: Succeeded (every
 * component passed), Failed (a failure with rollbackOnError, the default, or nothing passed), or SucceededPartial
 * (rollbackOnError false and some passed). Only then are the passing components saved, and never with checkOnly.
 * The deployResult is built with real booleans; the SOAP door writes them as 'true'/'false' text.
 */
import type { StoredApp } from '../config.js';
import { newId } from '../config.js';
import type { DeployRecord, OrgStore } from '../org.js';
import { archivePath, checkFile, typeDef } from './components.js';
import { applyComponents, checkAgainstOrg, type DeployComponent } from './apply.js';
import { bool, list, parseDocument, text } from './xml.js';
import { ArchiveError, readDeployZip } from './zip.js';

export type DeployOptions = Record<string, unknown> & {
  checkOnly: boolean;
  rollbackOnError: boolean;
  ignoreWarnings: boolean;
};
export type DeployResult = Record<string, unknown> & { id: string; done: boolean; status: string; success: boolean };

type Job = {
  id: string;
  options: DeployOptions;
  createdBy: string;
  createdDate: string;
  startDate?: string;
  completedDate?: string;
  polls: number;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'SucceededPartial' | 'Failed' | 'Canceled';
  prefix: string;
  components: DeployComponent[];
  error?: { message: string; statusCode: string };
  record: DeployRecord;
};

/** DeployOptions as sent (text or booleans), with Salesforce's defaults: rollbackOnError true, the rest false. */
export function deployOptions(raw: Record<string, unknown> = {}): DeployOptions {
  const flag = (name: string, fallback: boolean): boolean => {
    const v = raw[name];
    return typeof v === 'boolean' ? v : (bool(typeof v === 'string' ? v : undefined) ?? fallback);
  };
  return {
    ...raw,
    checkOnly: flag('checkOnly', false),
    rollbackOnError: flag('rollbackOnError', true),
    ignoreWarnings: flag('ignoreWarnings', false),
  };
}

export class DeployJobs {
  private readonly jobs = new Map<string, Job>();

  public constructor(
    private readonly org: OrgStore,
    private readonly apps: Map<string, StoredApp>,
  ) {}

  /** Takes a deploy: checks everything now, answers with the job id (status Pending). */
  public async start(
    zipBytes: Buffer,
    options: DeployOptions,
    via: 'SOAP' | 'REST',
    apiVersion: string,
    userId: string,
  ): Promise<DeployResult> {
    const id = newId('0Af');
    const now = new Date().toISOString();
    const job: Job = {
      id,
      options,
      createdBy: userId,
      createdDate: now,
      polls: 0,
      status: 'Pending',
      prefix: '',
      components: [],
      record: {
        id,
        via,
        status: 'Pending',
        done: false,
        checkOnly: options.checkOnly,
        rollbackOnError: options.rollbackOnError,
        createdDate: now,
        components: [],
      },
    };
    try {
      const archive = await readDeployZip(zipBytes);
      job.prefix = archive.prefix;
      const manifest = parseDocument(archive.packageXml);
      if (!manifest.ok || manifest.root !== 'Package')
        throw new ArchiveError(
          `package.xml is not valid: ${manifest.ok ? 'root element must be Package' : manifest.message}`,
        );
      const apiMajor = Math.trunc(Number(text(manifest.content.version) ?? apiVersion));
      for (const entry of list(manifest.content.types)) {
        const types = entry as Record<string, unknown>;
        const typeName = text(types.name as string) ?? '';
        const def = typeDef(typeName);
        let members = list(types.members as string[]).map((m) => text(m) ?? '');
        if (def && members.includes('*')) {
          const folder = `${def.folder}/`;
          members = [...archive.files.keys()]
            .filter((p) => p.startsWith(folder) && p.endsWith(`.${def.suffix}`))
            .map((p) => p.slice(folder.length, -def.suffix.length - 1));
        }
        for (const member of members) {
          const fileName = def ? archivePath(def, member) : `${typeName}/${member}`;
          const component: DeployComponent = {
            def,
            type: typeName,
            fullName: member,
            fileName: job.prefix + fileName,
            problems: [],
            created: false,
            changed: false,
          };
          job.components.push(component);
          if (!def) continue; // a type the emulator does not model: accepted, without effect
          const source = archive.files.get(fileName);
          if (source === undefined) {
            component.problems.push({
              problem: `An object '${member}' of type ${typeName} was named in package.xml, but was not found in zipped directory`,
            });
            continue;
          }
          const checked = checkFile(def, source, apiMajor);
          if (checked.ok) component.content = checked.content;
          else component.problems.push(...checked.problems);
        }
      }
      checkAgainstOrg(job.components, this.org, this.apps);
    } catch (error) {
      if (!(error instanceof ArchiveError)) throw error;
      job.error = { message: error.message, statusCode: 'INVALID_CROSS_REFERENCE_KEY' };
    }
    this.jobs.set(id, job);
    this.org.deploys.push(job.record);
    return this.result(job, false);
  }

  public has(id: string): boolean {
    return this.jobs.has(id);
  }

  public optionsOf(id: string): DeployOptions | undefined {
    return this.jobs.get(id)?.options;
  }

  /** The job's result without counting a poll. */
  public peek(id: string, includeDetails = true): DeployResult | undefined {
    const job = this.jobs.get(id);
    return job ? this.result(job, includeDetails) : undefined;
  }

  /** One status poll (checkDeployStatus / GET deployRequest): advances the job, then describes it. */
  public poll(id: string, includeDetails: boolean): DeployResult | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === 'Pending' || job.status === 'InProgress') {
      job.polls += 1;
      if (job.polls <= this.org.switches.deployPolls) {
        job.status = 'InProgress';
        job.startDate ??= new Date().toISOString();
      } else {
        this.finish(job);
      }
    }
    return this.result(job, includeDetails);
  }

  /**
   * Every job not yet done runs to its end now, as Salesforce runs a deploy whether or not anyone asks for its status
   * (used when a deploy's reply is dropped: the deploy is applied all the same).
   */
  public finishPending(): void {
    for (const job of this.jobs.values()) {
      if (job.status === 'Pending' || job.status === 'InProgress') this.finish(job);
    }
  }

  /** cancelDeploy: a job not yet done is Canceled (nothing applied); a finished one stays as it is. */
  public cancel(id: string): { id: string; done: boolean } | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === 'Pending' || job.status === 'InProgress') {
      job.status = 'Canceled';
      job.completedDate = new Date().toISOString();
      this.syncRecord(job);
    }
    return { id, done: true };
  }

  private finish(job: Job): void {
    const now = new Date().toISOString();
    const failed = job.components.filter((c) => c.problems.length > 0);
    const passed = job.components.filter((c) => c.problems.length === 0);
    let status: Job['status'] = 'SucceededPartial';
    if (job.error) status = 'Failed';
    else if (failed.length === 0) status = 'Succeeded';
    else if (job.options.rollbackOnError || passed.length === 0) status = 'Failed';
    Object.assign(job, { status, startDate: job.startDate ?? now, completedDate: now });
    const applies = (status === 'Succeeded' || status === 'SucceededPartial') && !job.options.checkOnly;
    if (applies) applyComponents(passed, this.org, this.apps);
    this.syncRecord(job);
  }

  private syncRecord(job: Job): void {
    const done = !(job.status === 'Pending' || job.status === 'InProgress');
    const components = job.components.map((c) => ({
      type: c.type,
      fullName: c.fullName,
      success: c.problems.length === 0,
      ...(c.problems.length
        ? { problem: c.problems.map((p) => p.problem).join('; ') }
        : { created: c.created, changed: c.changed }),
    }));
    Object.assign(job.record, { status: job.status, done, components });
  }

  private result(job: Job, includeDetails: boolean): DeployResult {
    const done = !(job.status === 'Pending' || job.status === 'InProgress');
    const finished = done && job.status !== 'Canceled';
    const failures = finished ? job.components.filter((c) => c.problems.length > 0) : [];
    const successes = finished ? job.components.filter((c) => c.problems.length === 0) : [];
    const message = (c: DeployComponent, success: boolean): Array<Record<string, unknown>> => {
      const base = {
        changed: success && c.changed,
        componentType: c.type,
        created: success && c.created,
        createdDate: job.completedDate,
        deleted: false,
        fileName: c.fileName,
        fullName: c.fullName,
        success,
      };
      if (success) return [base];
      return c.problems.map((p) => ({
        ...base,
        ...(p.line !== undefined ? { lineNumber: p.line, columnNumber: p.column ?? 1 } : {}),
        problem: p.problem,
        problemType: 'Error',
      }));
    };
    const packageMessage = {
      changed: true,
      componentType: '',
      created: false,
      createdDate: job.completedDate,
      deleted: false,
      fileName: `${job.prefix}package.xml`,
      fullName: 'package.xml',
      success: true,
    };
    const details = {
      componentFailures: includeDetails ? failures.flatMap((c) => message(c, false)) : [],
      componentSuccesses:
        includeDetails && finished && !job.error ? [...successes.flatMap((c) => message(c, true)), packageMessage] : [],
      runTestResult: {
        numFailures: 0,
        numTestsRun: 0,
        totalTime: 0,
        codeCoverage: [],
        codeCoverageWarnings: [],
        failures: [],
        flowCoverage: [],
        flowCoverageWarnings: [],
        successes: [],
      },
    };
    return {
      id: job.id,
      checkOnly: job.options.checkOnly,
      completedDate: job.completedDate,
      createdBy: job.createdBy.slice(0, 15),
      createdByName: 'Admin User',
      createdDate: job.createdDate,
      details,
      done,
      ...(job.error ? { errorMessage: job.error.message, errorStatusCode: job.error.statusCode } : {}),
      ignoreWarnings: job.options.ignoreWarnings,
      lastModifiedDate: job.completedDate ?? job.startDate ?? job.createdDate,
      numberComponentErrors: failures.length,
      numberComponentsDeployed: job.error ? 0 : successes.length,
      numberComponentsTotal: job.components.length,
      numberTestErrors: 0,
      numberTestsCompleted: 0,
      numberTestsTotal: 0,
      rollbackOnError: job.options.rollbackOnError,
      runTestsEnabled: false,
      startDate: job.startDate,
      status: job.status,
      success: job.status === 'Succeeded' || job.status === 'SucceededPartial',
    };
  }
}
