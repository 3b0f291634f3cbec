/*
 * What a deploy does to the org once each file passed checkFile(): the checks that need the org (references,
 * certificates, consumer keys, the Connected App creation block), saving the components, and handing the apps they
 * make to the token endpoint after the propagation delay.
 */
import { X509Certificate } from 'node:crypto';
import { normalizeApp, randomAlnum, type EmulatorApp, type StoredApp } from '../config.js';
import type { MdObject, OrgStore } from '../org.js';
import { ECA_CHILD_TYPES, type Problem, type TypeDef } from './components.js';
import { bool, list, text } from './xml.js';

export type DeployComponent = {
  def?: TypeDef;
  type: string;
  fullName: string;
  fileName: string;
  content?: MdObject;
  problems: Problem[];
  created: boolean;
  changed: boolean;
};

export const CONNECTED_APP_BLOCKED =
  "You can't create a connected app. To enable connected app creation, contact Salesforce Customer Support.";
const ECA = 'ExternalClientApplication';
const GLOBAL = 'ExtlClntAppGlobalOauthSettings';

/** A consumer key as Salesforce generates them: 3MVG9 + 80 characters, 85 in all. */
export function newConsumerKey(): string {
  return `3MVG9${randomAlnum(80)}`;
}

function isPem(value: string | undefined): boolean {
  if (!value || !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(value)) return false;
  try {
    new X509Certificate(value.trim());
    return true;
  } catch {
    return false;
  }
}

const splitNames = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Every consumer key in use, with the component that holds it ('ExternalClientApplication:X' / 'ConnectedApp:X'). */
function keysInUse(org: OrgStore, apps: Map<string, StoredApp>): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [key] of apps) keys.set(key, 'config');
  for (const name of org.componentNames(GLOBAL)) {
    const c = org.component(GLOBAL, name)!;
    const key = text(c.consumerKey);
    if (key) keys.set(key, `${ECA}:${text(c.externalClientApplication) ?? ''}`.toLowerCase());
  }
  for (const name of org.componentNames('ConnectedApp')) {
    const key = text((org.component('ConnectedApp', name)!.oauthConfig as MdObject | undefined)?.consumerKey);
    if (key) keys.set(key, `ConnectedApp:${name}`.toLowerCase());
  }
  for (const [ref, key] of org.liveKeys) keys.set(key, ref.toLowerCase());
  return keys;
}

/** Checks that need the org; adds problems to the components in place. */
export function checkAgainstOrg(components: DeployComponent[], org: OrgStore, apps: Map<string, StoredApp>): void {
  const passing = components.filter((c) => c.problems.length === 0 && c.content);
  const inDeploy = (type: string, name: string): boolean =>
    passing.some((c) => c.type === type && c.fullName.toLowerCase() === name.toLowerCase());
  const usedKeys = keysInUse(org, apps);
  for (const c of passing) {
    const content = c.content!;
    const problem = (p: string): number => c.problems.push({ problem: p });
    if (ECA_CHILD_TYPES.includes(c.type)) {
      const app = text(content.externalClientApplication) ?? '';
      if (!org.component(ECA, app) && !inDeploy(ECA, app)) problem(`No ${ECA} named ${app} found`);
    }
    if (c.type === GLOBAL || c.type === 'ConnectedApp') {
      const oauth = c.type === GLOBAL ? content : (content.oauthConfig as MdObject | undefined);
      const certificate = text(oauth?.certificate);
      if (certificate !== undefined && !isPem(certificate))
        problem('The certificate is not valid. Provide a PEM-encoded X.509 certificate.');
      const key = text(oauth?.consumerKey);
      const owner =
        c.type === GLOBAL ? `${ECA}:${text(content.externalClientApplication) ?? ''}` : `ConnectedApp:${c.fullName}`;
      if (key !== undefined && !/^[\w.]{8,256}$/.test(key))
        problem('The consumer key must be 8 to 256 alphanumeric characters.');
      else if (key !== undefined && usedKeys.has(key) && usedKeys.get(key) !== owner.toLowerCase())
        problem('The consumer key is already taken.');
    }
    const missingPermissionSets = (names: string[]): string[] =>
      names.filter((n) => !org.findPermissionSet(n) && !inDeploy('PermissionSet', n));
    const missingProfiles = (names: string[]): string[] =>
      names.filter(
        (n) =>
          !org.profiles.some((p) => p.name.toLowerCase() === n.toLowerCase() || p.id.slice(0, 15) === n.slice(0, 15)),
      );
    let permissionSets: string[] = [];
    let profiles: string[] = [];
    if (c.type === 'ExtlClntAppOauthConfigurablePolicies') {
      permissionSets = splitNames(text(content.commaSeparatedPermissionSet));
      profiles = splitNames(text(content.commaSeparatedProfile));
    }
    if (c.type === 'ConnectedApp') {
      permissionSets = list(content.permissionSetName).map((v) => text(v) ?? '');
      profiles = list(content.profileName).map((v) => text(v) ?? '');
      if (!org.component('ConnectedApp', c.fullName) && org.switches.blockConnectedAppCreation)
        problem(CONNECTED_APP_BLOCKED);
    }
    const noPs = missingPermissionSets(permissionSets);
    if (noPs.length > 0) problem(`We couldn't find permission sets called ${noPs.join(', ')}`);
    const noProfile = missingProfiles(profiles);
    if (noProfile.length > 0) problem(`We couldn't find profiles called ${noProfile.join(', ')}`);
  }
  for (const c of components) {
    const exists = c.def !== undefined && !!org.component(c.type, c.fullName);
    c.created = c.problems.length === 0 && !exists;
    c.changed = c.problems.length === 0 && exists;
  }
}

/** Saves the components (which passed every check) and schedules the token endpoint's view of their apps. */
export function applyComponents(components: DeployComponent[], org: OrgStore, apps: Map<string, StoredApp>): void {
  const touched = new Set<string>();
  for (const c of components) {
    if (!c.def || !c.content) continue;
    const content = { ...c.content };
    if (c.type === GLOBAL) {
      // Salesforce generates a key for a new app; a deploy without one keeps the existing key (assumption, see README)
      const previous = org.component(GLOBAL, c.fullName);
      if (text(content.consumerKey) === undefined)
        content.consumerKey = text(previous?.consumerKey) ?? newConsumerKey();
    }
    if (c.type === 'ConnectedApp') {
      const oauth = content.oauthConfig as MdObject | undefined;
      const previousKey = text(
        (org.component('ConnectedApp', c.fullName)?.oauthConfig as MdObject | undefined)?.consumerKey,
      );
      // consumerKey is settable only at creation: an existing app keeps its key
      if (oauth)
        content.oauthConfig = { ...oauth, consumerKey: previousKey ?? text(oauth.consumerKey) ?? newConsumerKey() };
    }
    if (c.type === 'PermissionSet') org.upsertPermissionSet(c.fullName, text(content.label));
    org.putComponent(c.type, c.fullName, content);
    if (c.type === ECA) touched.add(`${ECA}:${c.fullName}`);
    else if (ECA_CHILD_TYPES.includes(c.type)) touched.add(`${ECA}:${text(content.externalClientApplication) ?? ''}`);
    else if (c.type === 'ConnectedApp') touched.add(`ConnectedApp:${c.fullName}`);
  }
  for (const ref of touched) {
    const spec = liveAppSpec(org, ref);
    org.schedule(() => goLive(org, apps, ref, spec));
  }
}

/** The app the token endpoint should know for a deployed app, from the org's records now (undefined: none). */
export function liveAppSpec(org: OrgStore, ref: string): EmulatorApp | undefined {
  const [type, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  const psNames = (names: string[]): string[] => names.map((n) => org.findPermissionSet(n)?.name ?? n);
  if (type === 'ConnectedApp') {
    const app = org.component('ConnectedApp', name);
    const oauth = app?.oauthConfig as MdObject | undefined;
    const certificatePem = text(oauth?.certificate);
    const consumerKey = text(oauth?.consumerKey);
    if (!app || !certificatePem || !consumerKey) return undefined;
    return {
      consumerKey,
      certificatePem,
      name,
      kind: 'connected',
      preAuthorized: bool(oauth?.isAdminApproved) ?? false,
      permissionSets: psNames(list(app.permissionSetName).map((v) => text(v) ?? '')),
      profiles: list(app.profileName).map((v) => text(v) ?? ''),
    };
  }
  const header = org.component(ECA, name);
  const global = org.childrenOf(GLOBAL, name)[0]?.[1];
  const policies = org.childrenOf('ExtlClntAppConfigurablePolicies', name)[0]?.[1];
  const oauthPolicies = org.childrenOf('ExtlClntAppOauthConfigurablePolicies', name)[0]?.[1];
  const certificatePem = text(global?.certificate);
  const consumerKey = text(global?.consumerKey);
  if (
    !header ||
    !certificatePem ||
    !consumerKey ||
    bool(policies?.isEnabled) !== true ||
    bool(policies?.isOauthPluginEnabled) !== true
  )
    return undefined;
  return {
    consumerKey,
    certificatePem,
    name,
    kind: 'external',
    preAuthorized: text(oauthPolicies?.permittedUsersPolicyType) === 'AdminApprovedPreAuthorized',
    permissionSets: psNames(splitNames(text(oauthPolicies?.commaSeparatedPermissionSet))),
    profiles: splitNames(text(oauthPolicies?.commaSeparatedProfile)).map(
      (p) => org.profiles.find((r) => r.id.slice(0, 15) === p.slice(0, 15))?.name ?? p,
    ),
  };
}

/** Replaces what the token endpoint knows of `ref` with `spec`; keeps emulator-only knobs and, when frozen, the old certificate. */
export function goLive(org: OrgStore, apps: Map<string, StoredApp>, ref: string, spec: EmulatorApp | undefined): void {
  const previousKey = org.liveKeys.get(ref);
  const previous = previousKey ? apps.get(previousKey) : undefined;
  if (previousKey) apps.delete(previousKey);
  org.liveKeys.delete(ref);
  if (!spec) return;
  const frozen =
    org.switches.freezeCertificates &&
    previous !== undefined &&
    previous.certificatePem.trim() !== spec.certificatePem.trim();
  apps.set(
    spec.consumerKey,
    normalizeApp({
      ...spec,
      certificatePem: frozen ? previous.certificatePem : spec.certificatePem,
      myDomainOnly: previous?.myDomainOnly,
      apiAccessControl: previous?.apiAccessControl,
      approvedUsers: previous?.approvedUsers,
    }),
  );
  org.liveKeys.set(ref, spec.consumerKey);
}

/** The metadata components of an app given in the emulator's configuration (so retrieve and redeploys see it). */
export function recordConfiguredApp(org: OrgStore, app: StoredApp): void {
  const name = app.name.replace(/\W+/g, '_').replace(/^[^A-Za-z]+/, 'App_');
  const ref = `${app.kind === 'connected' ? 'ConnectedApp' : ECA}:${name}`;
  org.liveKeys.set(ref, app.consumerKey);
  const label = app.name;
  if (app.kind === 'connected') {
    org.putComponent('ConnectedApp', name, {
      contactEmail: 'admin@example.com',
      label,
      oauthConfig: {
        callbackUrl: 'http://localhost:1717/OauthRedirect',
        certificate: app.certificatePem.trim(),
        consumerKey: app.consumerKey,
        isAdminApproved: String(app.preAuthorized),
        scopes: ['Api', 'RefreshToken'],
      },
      ...(app.permissionSets.length ? { permissionSetName: app.permissionSets } : {}),
      ...(app.profiles.length ? { profileName: app.profiles } : {}),
    });
    return;
  }
  for (const ps of app.permissionSets) org.upsertPermissionSet(ps);
  for (const p of app.profiles) org.ensureProfile(p);
  const child = (suffix: string, extra: MdObject): [string, MdObject] => [
    `${name}${suffix}`,
    { externalClientApplication: name, label: `${label}${suffix}`, ...extra },
  ];
  org.putComponent(ECA, name, {
    contactEmail: 'admin@example.com',
    distributionState: 'Local',
    isProtected: 'false',
    label,
  });
  org.putComponent('ExtlClntAppOauthSettings', ...child('_oauth', { commaSeparatedOauthScopes: 'Api, RefreshToken' }));
  org.putComponent(
    GLOBAL,
    ...child('_glbloauth', {
      callbackUrl: 'http://localhost:1717/OauthRedirect',
      certificate: app.certificatePem.trim(),
      consumerKey: app.consumerKey,
      isConsumerSecretOptional: 'true',
    }),
  );
  org.putComponent(
    'ExtlClntAppOauthConfigurablePolicies',
    ...child('_oauthPlcy', {
      permittedUsersPolicyType: app.preAuthorized ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized',
      ...(app.permissionSets.length ? { commaSeparatedPermissionSet: app.permissionSets.join(',') } : {}),
      ...(app.profiles.length ? { commaSeparatedProfile: app.profiles.join(',') } : {}),
    }),
  );
  org.putComponent(
    'ExtlClntAppConfigurablePolicies',
    ...child('_plcy', { isEnabled: 'true', isOauthPluginEnabled: 'true' }),
  );
}
