/*
 * The org's configuration records behind the Metadata API and the sObjects: profiles, permission sets, permission set
 * assignments, deployed metadata components, and the *propagation* of changes to the token endpoint.
 *
 * Two views are kept apart on purpose:
 *   - the org's records (what SOQL, retrieve and the Metadata API see): changed at once by a deploy or an insert;
 *   - the token endpoint's view (SalesforceEmulator's apps and users' permissionSets): changed `propagationDelayMs`
 *     later (schedule() / flush()), as Salesforce's replication lag makes new apps, certificates and assignments
 *     work only minutes after they were saved.
 */
import {
  DEFAULT_PROFILES,
  DEFAULT_SWITCHES,
  newId,
  type EmulatorPermissionSet,
  type OrgSwitches,
  type StoredUser,
} from './config.js';

export type PermissionSetRecord = {
  id: string;
  name: string;
  label: string;
  namespacePrefix: string | null;
  isOwnedByProfile: boolean;
};
export type ProfileRecord = { id: string; name: string };
export type AssignmentRecord = { id: string; assigneeId: string; permissionSetId: string };

/** Metadata content as parsed from XML: element name -> text, nested element, or a list of repeats. */
export type MdValue = string | MdObject | MdValue[];
export type MdObject = { [name: string]: MdValue };

export type DeployedComponentSummary = {
  type: string;
  fullName: string;
  success: boolean;
  problem?: string;
  created?: boolean;
  changed?: boolean;
};
export type DeployRecord = {
  id: string;
  via: 'SOAP' | 'REST';
  status: string;
  done: boolean;
  checkOnly: boolean;
  rollbackOnError: boolean;
  createdDate: string;
  components: DeployedComponentSummary[];
};

type Pending = { due: number; apply: () => void };

export class OrgStore {
  public switches: OrgSwitches;
  public readonly profiles: ProfileRecord[] = [];
  public readonly permissionSets: PermissionSetRecord[] = [];
  public readonly assignments: AssignmentRecord[] = [];
  /** deployed metadata: type name -> fullName -> content */
  public readonly components = new Map<string, Map<string, MdObject>>();
  public readonly deploys: DeployRecord[] = [];
  /** which consumer key the token endpoint knows each deployed app by: 'ExternalClientApplication:X' / 'ConnectedApp:X' -> key */
  public readonly liveKeys = new Map<string, string>();
  private pending: Pending[] = [];

  public constructor(
    switches: Partial<OrgSwitches> = {},
    permissionSets: EmulatorPermissionSet[] = [],
    profiles: string[] = [],
  ) {
    this.switches = { ...DEFAULT_SWITCHES };
    this.setSwitches(switches);
    for (const name of [...DEFAULT_PROFILES, ...profiles]) this.ensureProfile(name);
    for (const ps of permissionSets) this.upsertPermissionSet(ps.name, ps.label);
  }

  public setSwitches(patch: Partial<OrgSwitches>): void {
    const next = { ...this.switches };
    for (const [key, value] of Object.entries(patch ?? {})) {
      if (!(key in DEFAULT_SWITCHES)) throw new Error(`unknown switch: ${key}`);
      const expected = typeof DEFAULT_SWITCHES[key as keyof OrgSwitches];
      if (typeof value !== expected) throw new Error(`switch ${key} must be a ${expected}`);
      if (expected === 'number' && !((value as number) >= 0)) throw new Error(`switch ${key} must be >= 0`);
      (next as Record<string, unknown>)[key] = value;
    }
    next.deployPolls = Math.max(1, Math.trunc(next.deployPolls));
    this.switches = next;
  }

  // ------------------------------------------------------------------ propagation

  /** Runs `apply` now (no delay) or once propagationDelayMs has passed (at the next flush()). */
  public schedule(apply: () => void): void {
    this.pending.push({ due: Date.now() + this.switches.propagationDelayMs, apply });
    this.flush();
  }

  /**
   * Applies every scheduled change whose time has come, in the order they were made (after the delay was lowered, a
   * later change can take effect before an earlier one, as with real replication).
   */
  public flush(now = Date.now()): void {
    const due = this.pending.filter((p) => p.due <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.due > now);
    for (const p of due) p.apply();
  }

  public pendingCount(): number {
    return this.pending.length;
  }

  // ------------------------------------------------------------------ profiles, permission sets

  public ensureProfile(name: string): ProfileRecord {
    const found = this.profiles.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (found) return found;
    const profile = { id: newId('00e'), name };
    this.profiles.push(profile);
    // every profile owns a permission set (Name 'X00e…', IsOwnedByProfile true)
    this.permissionSets.push({
      id: newId('0PS'),
      name: `X${profile.id.slice(0, 15)}`,
      label: profile.id.slice(0, 15),
      namespacePrefix: null,
      isOwnedByProfile: true,
    });
    return profile;
  }

  /** A permission set by API name (case-insensitive) or by 15/18-char id; profile-owned ones are not matched by name. */
  public findPermissionSet(nameOrId: string): PermissionSetRecord | undefined {
    const key = nameOrId.trim();
    return this.permissionSets.find(
      (p) =>
        (!p.isOwnedByProfile && p.name.toLowerCase() === key.toLowerCase()) ||
        (/^0PS\w{12}(\w{3})?$/.test(key) && p.id.slice(0, 15) === key.slice(0, 15)),
    );
  }

  public upsertPermissionSet(name: string, label?: string): { record: PermissionSetRecord; created: boolean } {
    const existing = this.findPermissionSet(name);
    if (existing) {
      if (label !== undefined) existing.label = label;
      return { record: existing, created: false };
    }
    const record = { id: newId('0PS'), name, label: label ?? name, namespacePrefix: null, isOwnedByProfile: false };
    this.permissionSets.push(record);
    return { record, created: true };
  }

  // ------------------------------------------------------------------ assignments

  public assignmentsOf(userId: string): AssignmentRecord[] {
    return this.assignments.filter((a) => a.assigneeId === userId);
  }

  /** Inserts an assignment; 'duplicate' when the user already holds the permission set. */
  public assign(userId: string, permissionSetId: string): AssignmentRecord | 'duplicate' {
    if (this.assignments.some((a) => a.assigneeId === userId && a.permissionSetId === permissionSetId))
      return 'duplicate';
    const record = { id: newId('0Pa'), assigneeId: userId, permissionSetId };
    this.assignments.push(record);
    return record;
  }

  public unassign(assignmentId: string): AssignmentRecord | undefined {
    const index = this.assignments.findIndex((a) => a.id.slice(0, 15) === assignmentId.slice(0, 15));
    if (index < 0) return undefined;
    return this.assignments.splice(index, 1)[0];
  }

  /** Makes the records match a user's configured permission set names (used for config and admin updates). */
  public syncUserAssignments(user: StoredUser): void {
    this.ensureProfile(user.profile);
    const wanted = user.permissionSets.map((name) => this.upsertPermissionSet(name).record.id);
    for (const a of this.assignmentsOf(user.userId)) if (!wanted.includes(a.permissionSetId)) this.unassign(a.id);
    for (const id of wanted) this.assign(user.userId, id);
  }

  public profileOf(user: StoredUser): ProfileRecord {
    return this.ensureProfile(user.profile);
  }

  // ------------------------------------------------------------------ metadata components

  public component(type: string, fullName: string): MdObject | undefined {
    const byName = this.components.get(type);
    if (!byName) return undefined;
    for (const [name, content] of byName) if (name.toLowerCase() === fullName.toLowerCase()) return content;
    return undefined;
  }

  public componentNames(type: string): string[] {
    return [...(this.components.get(type)?.keys() ?? [])].sort();
  }

  public putComponent(type: string, fullName: string, content: MdObject): void {
    let byName = this.components.get(type);
    if (!byName) {
      byName = new Map();
      this.components.set(type, byName);
    }
    const existing = [...byName.keys()].find((n) => n.toLowerCase() === fullName.toLowerCase());
    byName.set(existing ?? fullName, content);
  }

  /** Every component of `type` whose externalClientApplication element names `app`. */
  public childrenOf(type: string, app: string): Array<[string, MdObject]> {
    return [...(this.components.get(type) ?? new Map<string, MdObject>())].filter(
      ([, content]) =>
        typeof content.externalClientApplication === 'string' &&
        content.externalClientApplication.toLowerCase() === app.toLowerCase(),
    );
  }
}
