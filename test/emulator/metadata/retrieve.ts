/*
 * Retrieve jobs (SOAP retrieve / checkRetrieveStatus). The first status poll answers InProgress with done:false, the
 * next one the result: a zip (unpackaged/package.xml + metadata-format files of the org's live records), its
 * fileProperties, and a message per requested member that does not exist. Consumer secrets are never included; the
 * consumer keys are left out when the switch withholdConsumerKeys is on.
 */
import { newId } from '../config.js';
import type { MdObject, OrgStore } from '../org.js';
import { archivePath, TYPES, type TypeDef } from './components.js';
import { list, metadataDocument, text } from './xml.js';
import { writeRetrieveZip } from './zip.js';

type RetrieveJob = {
  id: string;
  polls: number;
  apiVersion: string;
  types: Array<{ name: string; members: string[] }>;
  userId: string;
};

export type RetrieveResult = Record<string, unknown> & { id: string; done: boolean; status: string; success: boolean };

export class RetrieveJobs {
  private readonly jobs = new Map<string, RetrieveJob>();

  public constructor(private readonly org: OrgStore) {}

  /** `request` = the retrieveRequest element: { apiVersion, unpackaged: { types: [{ members, name }] } }. */
  public start(request: MdObject, userId: string): { id: string; done: boolean; state: string } {
    const unpackaged = (request.unpackaged ?? {}) as MdObject;
    const types = list(unpackaged.types).map((t) => {
      const entry = t as MdObject;
      return { name: text(entry.name) ?? '', members: list(entry.members).map((m) => text(m) ?? '') };
    });
    const id = newId('09S');
    this.jobs.set(id, {
      id,
      polls: 0,
      apiVersion: text(request.apiVersion) ?? text(unpackaged.version) ?? '66.0',
      types,
      userId,
    });
    return { id, done: false, state: 'Queued' };
  }

  public has(id: string): boolean {
    return this.jobs.has(id);
  }

  public async poll(id: string, includeZip: boolean): Promise<RetrieveResult | undefined> {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    job.polls += 1;
    if (job.polls <= 1)
      return { done: false, fileProperties: [], id, messages: [], status: 'InProgress', success: false };
    const now = new Date().toISOString();
    const files = new Map<string, string>();
    const fileProperties: Array<Record<string, unknown>> = [];
    const messages: Array<Record<string, unknown>> = [];
    const retrieved: Array<{ name: string; members: string[] }> = [];
    for (const { name, members } of job.types) {
      const def = TYPES.find((t) => t.type === name);
      const available = def ? this.names(def) : [];
      const wanted = members.includes('*') ? available : members;
      const found: string[] = [];
      for (const member of wanted) {
        const actual = available.find((a) => a.toLowerCase() === member.toLowerCase());
        const content = def && actual ? this.content(def, actual) : undefined;
        if (!def || !actual || !content) {
          messages.push({
            fileName: 'unpackaged/package.xml',
            problem: `Entity of type '${name}' named '${member}' cannot be found`,
          });
          continue;
        }
        const path = archivePath(def, actual);
        files.set(path, metadataDocument(def.type, content));
        found.push(actual);
        fileProperties.push(this.property(`unpackaged/${path}`, actual, def.type, now, job.userId));
      }
      if (found.length > 0) retrieved.push({ name, members: found });
    }
    const manifest = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<Package xmlns="http://soap.sforce.com/2006/04/metadata">',
      ...retrieved.map(
        (t) =>
          `    <types>\n${t.members.map((m) => `        <members>${m}</members>\n`).join('')}        <name>${t.name}</name>\n    </types>`,
      ),
      `    <version>${job.apiVersion}</version>`,
      '</Package>',
      '',
    ].join('\n');
    files.set('package.xml', manifest);
    fileProperties.push(this.property('unpackaged/package.xml', 'unpackaged/package.xml', 'Package', now, job.userId));
    const zip = await writeRetrieveZip(files);
    return {
      done: true,
      fileProperties,
      id,
      messages,
      status: 'Succeeded',
      success: true,
      ...(includeZip ? { zipFile: zip.toString('base64') } : {}),
    };
  }

  private names(def: TypeDef): string[] {
    if (def.type === 'PermissionSet')
      return this.org.permissionSets.filter((p) => !p.isOwnedByProfile).map((p) => p.name);
    return this.org.componentNames(def.type);
  }

  /** What the org answers for a record: the deployed content without secrets (and without keys when withheld). */
  private content(def: TypeDef, name: string): MdObject | undefined {
    const stored = this.org.component(def.type, name);
    if (def.type === 'PermissionSet') {
      const ps = this.org.findPermissionSet(name);
      return { ...(stored ?? { hasActivationRequired: 'false' }), label: ps?.label ?? name };
    }
    if (!stored) return undefined;
    const withhold = this.org.switches.withholdConsumerKeys;
    const clean = (o: MdObject): MdObject => {
      const { consumerSecret, consumerKey, ...rest } = o;
      void consumerSecret;
      return withhold || consumerKey === undefined ? rest : { ...rest, consumerKey };
    };
    if (def.type === 'ExtlClntAppGlobalOauthSettings') return clean(stored);
    if (def.type === 'ConnectedApp' && stored.oauthConfig)
      return { ...stored, oauthConfig: clean(stored.oauthConfig as MdObject) };
    return stored;
  }

  private property(
    fileName: string,
    fullName: string,
    type: string,
    now: string,
    userId: string,
  ): Record<string, unknown> {
    const user = userId.slice(0, 15);
    return {
      createdById: user,
      createdByName: 'Admin User',
      createdDate: now,
      fileName,
      fullName,
      id: type === 'Package' ? '' : newId('000'),
      lastModifiedById: user,
      lastModifiedByName: 'Admin User',
      lastModifiedDate: now,
      manageableState: 'unmanaged',
      type,
    };
  }
}
