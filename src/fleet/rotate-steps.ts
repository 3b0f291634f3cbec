/*
 * `fleet rotate` with the real steps: `rotate`'s own functions (src/rotate/), one org at a time, under the
 * coordination of rotate.ts. Before any org is asked anything, the fleet itself is checked: every org names its
 * adminOrg (the sf login that deploys to it, rotate's --target-org) and its app; the orgs share one current key
 * (several keys is ManifestInvalid, naming the groups); a key from an environment variable needs --output-dir.
 *
 * Per org, the pre-flight is rotate's plan (planRotation: the admin org answers, the app is found with its
 * certificate and its consumer key) with the fleet's key and the fleet's one new key put in. Then it sorts the org:
 * its app holds the current key's certificate and the current key logs in (ready); it holds the new key's certificate
 * (done: a re-run after a kill, with the same --new-key-file); or it holds another (CertificateMismatch). Each org's
 * previous certificate is saved as <dir>/<alias>.previous.crt. The swap, the verification, the rollback and the
 * store's re-pointing are rotate's deployCertificate, verifyLogin, rollback and repointMany.
 *
 * With --push, the push's pre-flight (tokens, names, targets) is part of the fleet's own checks, before any org is
 * asked anything; after every org is verified, each org's SF_JWT_KEY<secretSuffix> (with --secret-prefix and
 * --secret-suffix around it) goes to every target through src/push's pushSecrets, one entry per org, and a failed
 * push is undone there (the old key put back, or named) once the coordinator has rolled every org back.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { exchangeWithKey } from '../auth/login-with-key.js';
import { findLocalSource, updateLocalSource, type LocalSource } from '../app/local-source.js';
import { isJwtSetupError, jwtError, reason } from '../errors.js';
import { packageFoldersToGuard, refuseKeysInPackageFolders, type KeyLocation } from '../keys/key-location.js';
import { SECRET_NAMES, keySecret, secretName, type Secret } from '../push/names.js';
import {
  checkPushSettings,
  pushPlan,
  pushSecrets,
  type OrgSecrets,
  type PushCheck,
  type PushEvent,
  type PushReport,
  type PushSettings,
  type UndoReport,
} from '../push/push.js';
import type { ExchangeEvent } from '../exchange/token.js';
import { certificateMatchesKey, loadCertificate, type CertificateInfo } from '../keys/certificate.js';
import { loadPrivateKey, passphraseFromEnv, publicKeyFingerprint, type LoadedKey } from '../keys/private-key.js';
import type { OrgStepEvent } from '../org/deploy.js';
import {
  freeName,
  dateStamp,
  planNewKey,
  prepareNewKey,
  rotationKeyLocations,
  stemOf,
  writeNewKey,
} from '../rotate/new-key.js';
import { shellArg } from '../util/shell.js';
import type { NewKeyPlan, PreparedNewKey } from '../rotate/new-key.js';
import { rollbackCommand } from '../rotate/commands.js';
import { planRotation } from '../rotate/plan.js';
import { rollback } from '../rotate/rollback.js';
import { deployCertificate, savePreviousCertificate } from '../rotate/swap.js';
import type { OldKeyCheck, RotationPlan } from '../rotate/types.js';
import { checkOldKey, isTransportFailure, targetOf, verifyLogin } from '../rotate/verify.js';
import { repointMany, type RepointOutcome } from '../store/repoint.js';
import type { Fleet, FleetOrg, OrgSpec } from './manifest.js';
import {
  rotateFleet,
  type FleetRotateEvent,
  type FleetRotateOutcome,
  type FleetRotateSteps,
  type OrgPreflight,
  type PushStep,
} from './rotate.js';

export type FleetRotationOptions = {
  fleet: Fleet;
  newKeyFile?: string;
  newCertificateFile?: string;
  keySize: number;
  days: number;
  subject?: string;
  /** Where the new files and the previous certificates go (default: the current key's folder). */
  outputDir?: string;
  waitMinutes: number;
  concurrency: number;
  dryRun: boolean;
  skipMismatched: boolean;
  /** --push and its companions: each org's key secret to every target after every org is verified. */
  push?: PushSettings;
  /** For tests: the interval between login retries while waiting. */
  waitIntervalMs?: number;
  now?: Date;
  onEvent?: (event: FleetEvent) => void;
};

/** One org's deploy progress and propagation waits, as `rotate` shows them. */
export type FleetOrgStepEvent = OrgStepEvent;

export type FleetEvent =
  FleetRotateEvent | { type: 'org'; alias: string; event: FleetOrgStepEvent } | { type: 'push'; event: PushEvent };

/** --push in a fleet rotation: what would be written where, and what was. */
export type FleetPush = {
  /** Each org's key secret name (prefix, SF_JWT_KEY, the org's secretSuffix, suffix), by alias. */
  names: Map<string, string>;
  /** Per target, the names to write (the dry run's plan). */
  plan: Array<{ target: string; kind: string; names: string[] }>;
  /** What was written (absent when the push never started). */
  report?: PushReport;
  /** What a failed push put back, or could not. */
  undo?: UndoReport;
};

/** One org's plan: its manifest entry and rotate's plan for it. */
export type FleetOrgPlan = { spec: Required<Pick<OrgSpec, 'adminOrg' | 'app'>> & OrgSpec; rotation: RotationPlan };

export type FleetRotation = {
  outcome: FleetRotateOutcome<FleetOrgPlan, RepointOutcome>;
  oldKey: LoadedKey;
  newKey: NewKeyPlan;
  /** The new key and certificate as made or read (absent in a dry run of a generated pair). */
  fresh?: PreparedNewKey;
  /** The old key checked after each verified swap: refused is what a finished swap looks like. */
  oldKeyChecks: Map<string, OldKeyCheck>;
  waitMinutes: number;
  /** The apps' committed source in the project, updated once every org is rotated (found only, in a dry run). */
  localSource: FleetLocalSource;
  /** Each org's manifest entry, by alias (refused orgs have no plan, but the report names their app). */
  specs: Map<string, FleetOrgPlan['spec']>;
  /** --push: absent without it. */
  push?: FleetPush;
};

export type FleetLocalSource = {
  /** The folders searched: the package folders of ./sfdx-project.json (none without one). */
  searched: string[];
  /** The files that hold the apps' certificate: now carrying the new one (to commit), or to be updated (dry run). */
  files: string[];
  /** Files of the same name left alone, with why (another consumer key, no certificate element). */
  skipped: Array<{ path: string; why: string }>;
  /** Why the files could not be written (the orgs hold the new certificate anyway: update them by hand). */
  failed?: string;
};

/**
 * The committed source of the rotated apps (one search per app and consumer key: partner orgs may hold another app of
 * the same name), written once with the new certificate when `certificatePem` is given. Only the <certificate> text
 * changes; a file that cannot be written does not undo the rotation, it is reported for a change by hand.
 */
async function updateFleetSource(plans: FleetOrgPlan[], certificatePem: string | undefined): Promise<FleetLocalSource> {
  const groups = new Map<string, FleetOrgPlan['rotation']>();
  for (const { rotation } of plans) groups.set(`${rotation.app}|${rotation.kind}|${rotation.consumerKey}`, rotation);
  const searched = new Set<string>();
  const skipped = new Map<string, string>();
  const found: Array<{ source: LocalSource; kind: FleetOrgPlan['rotation']['kind'] }> = [];
  for (const rotation of groups.values()) {
    // eslint-disable-next-line no-await-in-loop
    const source = await findLocalSource({ app: rotation.app, kind: rotation.kind, consumerKey: rotation.consumerKey });
    source.searched.forEach((d) => searched.add(d));
    source.skipped.forEach((k) => skipped.set(k.path, k.why));
    found.push({ source, kind: rotation.kind });
  }
  const files = [...new Set(found.flatMap((f) => f.source.files.map((x) => x.path)))].sort();
  for (const f of files) skipped.delete(f);
  const result: FleetLocalSource = {
    searched: [...searched],
    files,
    skipped: [...skipped].map(([path, why]) => ({ path, why })),
  };
  if (certificatePem === undefined) return result;
  try {
    const written = new Set<string>();
    for (const { source, kind } of found) {
      const todo = { ...source, files: source.files.filter((f) => !written.has(f.path)) };
      // eslint-disable-next-line no-await-in-loop
      await updateLocalSource(todo, kind, certificatePem);
      todo.files.forEach((f) => written.add(f.path));
    }
  } catch (error) {
    result.failed = error instanceof Error ? error.message : String(error);
  }
  return result;
}

const invalid = (origin: string, problem: string, fix: string): Error =>
  jwtError('ManifestInvalid', [origin, problem], [fix]);

/** The fleet's one current key: loaded once per source; several keys is ManifestInvalid, naming the groups. */
async function fleetKey(fleet: Fleet): Promise<{ key: LoadedKey; spec: OrgSpec }> {
  const bySource = new Map<string, { key: LoadedKey; orgs: FleetOrg[] }>();
  for (const org of fleet.orgs) {
    const { jwtKeyFile, jwtKeyEnv, passphraseEnv } = org.spec;
    const source = jwtKeyFile ? `file:${jwtKeyFile}` : `env:${jwtKeyEnv ?? ''}`;
    let entry = bySource.get(source);
    if (!entry) {
      // eslint-disable-next-line no-await-in-loop
      const key = await loadPrivateKey(jwtKeyFile ? { file: jwtKeyFile } : { env: jwtKeyEnv ?? '' }, {
        passphrase: passphraseFromEnv(passphraseEnv),
      });
      entry = { key, orgs: [] };
      bySource.set(source, entry);
    }
    entry.orgs.push(org);
  }
  const groups = new Map<string, { key: LoadedKey; orgs: FleetOrg[] }>();
  for (const { key, orgs } of bySource.values()) {
    const id = publicKeyFingerprint(key.publicKey);
    const group = groups.get(id) ?? { key, orgs: [] };
    group.orgs.push(...orgs);
    groups.set(id, group);
  }
  if (groups.size > 1) {
    const named = [...groups.values()].map(
      (g) => `${g.key.sourceLabel} (${g.orgs.map((o) => o.spec.alias).join(', ')})`,
    );
    throw invalid(fleet.origin, reason('fleetRotate.severalKeys', [groups.size, named.join('; ')]), fleet.origin);
  }
  const [only] = groups.values();
  return { key: only.key, spec: only.orgs[0].spec };
}

/** The name the new files were named after: the key file's stem, `server` for a key from a variable. */
const namedAfterOf = (plan: NewKeyPlan): string => join(plan.dir, `${plan.name.replace(/-\d{8}(-\d+)?$/, '')}.key`);

/** Everything that can be refused before any org is asked anything. */
async function checkFleet(options: FleetRotationOptions): Promise<{
  oldKey: LoadedKey;
  newKey: NewKeyPlan;
  orgs: Map<string, FleetOrgPlan['spec']>;
  push?: { check: PushCheck; names: Map<string, string> };
}> {
  const { fleet } = options;
  const orgs = new Map<string, FleetOrgPlan['spec']>();
  for (const org of fleet.orgs) {
    const { adminOrg, app } = org.spec;
    if (!adminOrg || !app) {
      const missing = [adminOrg ? undefined : 'adminOrg', app ? undefined : 'app'].filter(Boolean).join(', ');
      throw invalid(org.origin, reason('fleetRotate.needsAdminOrg', [org.spec.alias, missing]), fleet.origin);
    }
    orgs.set(org.spec.alias, { ...org.spec, adminOrg, app });
  }
  const { key: oldKey, spec } = await fleetKey(fleet);
  if (!spec.jwtKeyFile && !options.outputDir) {
    throw invalid(fleet.origin, reason('fleetRotate.envKeyNeedsOutputDir', [oldKey.sourceLabel]), '--output-dir');
  }
  // The new files are named as rotate names them: after the current key's file, in its folder (or --output-dir).
  const namedAfter = options.outputDir
    ? join(options.outputDir, basename(spec.jwtKeyFile ?? 'server.key'))
    : (spec.jwtKeyFile as string);
  const newKey = await planNewKey({ ...options, oldKeyFile: namedAfter });
  // The key-folder guard, as rotate has it: no new key inside a package folder of ./sfdx-project.json.
  const locations: KeyLocation[] = options.outputDir
    ? [{ path: options.outputDir, role: 'output-dir' }, ...rotationKeyLocations(newKey, options).slice(1)]
    : rotationKeyLocations(newKey, options);
  await refuseKeysInPackageFolders(locations, packageFoldersToGuard());
  if (newKey.key?.publicKey.equals(oldKey.publicKey)) {
    throw jwtError(
      'RotationPreflightFailed',
      [fleet.origin, reason('rotate.sameKey', [newKey.keyFile])],
      [reason('rotate.fix.sameKey')],
    );
  }
  // --push's pre-flight: a token for each platform, every org's key secret name within the rules, every target seen.
  const names = new Map([...orgs.values()].map((o) => [o.alias, keySecretName(o, options.push)] as [string, string]));
  const check = await checkPushSettings(options.push, [...names.values()]);
  return { oldKey, newKey, orgs, ...(check ? { push: { check, names } } : {}) };
}

/** An org's key secret: --secret-prefix, SF_JWT_KEY, the org's secretSuffix, --secret-suffix. */
function keySecretName(spec: OrgSpec, push: PushSettings | undefined): string {
  const naming = push?.naming ?? {};
  return secretName(SECRET_NAMES.key, {
    prefix: naming.prefix,
    suffix: `${spec.secretSuffix ?? ''}${naming.suffix ?? ''}`,
  });
}

const pemOf = (key: LoadedKey): string => key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

/** One entry per org; a name two orgs share (no secretSuffix) is written once, since every org gets the same key. */
function orgSecrets(rotated: string[], names: Map<string, string>, pem: string): OrgSecrets[] {
  const seen = new Set<string>();
  return rotated.map((alias) => {
    const name = names.get(alias) as string;
    const secrets: Secret[] = seen.has(name) ? [] : [{ ...keySecret(pem), name }];
    seen.add(name);
    return { org: alias, secrets };
  });
}

/** The previous certificate an earlier run saved for `alias` that belongs to `oldKey`, if any. */
async function savedPrevious(
  dir: string,
  alias: string,
  oldKey: LoadedKey,
): Promise<{ file: string; certificate: CertificateInfo } | undefined> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.startsWith(`${alias}.previous`) && n.endsWith('.crt'))
    .sort()
    .reverse();
  for (const name of names) {
    const file = join(dir, name);
    // eslint-disable-next-line no-await-in-loop
    const certificate = await loadCertificate(file).catch(() => undefined);
    if (certificate && certificateMatchesKey(certificate, oldKey.publicKey)) return { file, certificate };
  }
  return undefined;
}

function describe(error: unknown): { code: string; message: string } {
  if (isJwtSetupError(error)) return { code: error.errorCode, message: error.message };
  return {
    code: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message.slice(0, 500) : String(error),
  };
}

/** A deploy the org answered with a refusal changed nothing (rollbackOnError); anything else may have. */
function mayHaveApplied(error: unknown): boolean {
  if (isJwtSetupError(error, 'ConnectedAppCreationBlocked')) return false;
  if (isJwtSetupError(error, 'DeployFailed')) {
    const data = error.data as { status?: unknown } | undefined;
    return typeof data?.status !== 'string';
  }
  return true;
}

export async function fleetRotate(options: FleetRotationOptions): Promise<FleetRotation> {
  const { oldKey, newKey, orgs, push } = await checkFleet(options);
  const fleetPush: FleetPush | undefined = push
    ? { names: push.names, plan: pushPlan(push.check, [...new Set(push.names.values())]) }
    : undefined;
  const waitMs = options.waitMinutes * 60_000;
  const emit = options.onEvent ?? ((): void => undefined);
  // Each org's deploy and wait events, their `what` naming the org too (several orgs deploy at once).
  const orgEvent =
    (alias: string) =>
    (event: FleetOrgStepEvent): void =>
      emit({ type: 'org', alias, event: 'what' in event ? { ...event, what: `${event.what} (${alias})` } : event });
  const verifyOptions = (alias: string, ms: number): Parameters<typeof verifyLogin>[3] => ({
    waitMs: ms,
    intervalMs: options.waitIntervalMs,
    onEvent: (event: ExchangeEvent) => orgEvent(alias)({ type: 'exchange', event }),
  });
  const oldKeyChecks = new Map<string, OldKeyCheck>();
  let fresh: PreparedNewKey | undefined;
  const steps: FleetRotateSteps<FleetOrgPlan, PreparedNewKey, RepointOutcome> = {
    async preflight(alias): Promise<OrgPreflight<FleetOrgPlan>> {
      const spec = orgs.get(alias) as FleetOrgPlan['spec'];
      // rotate's plan without its key checks (force): the fleet's key is checked below, with the fleet's codes.
      const base = await planRotation({
        targetOrg: spec.adminOrg,
        app: spec.app,
        username: spec.username,
        clientId: spec.clientId,
        instanceUrl: spec.instanceUrl,
        force: true,
        waitMs: Math.max(waitMs, 60_000),
        keySize: options.keySize,
        days: options.days,
        now: options.now,
      });
      const previousName = await freeName(newKey.dir, `${alias}.previous`, ['.crt']).then(async (name) =>
        name === `${alias}.previous`
          ? name
          : freeName(newKey.dir, `${alias}.previous-${dateStamp(options.now)}`, ['.crt']),
      );
      const rotation: RotationPlan = {
        ...base,
        oldKey,
        newKey,
        oldKeyMatches: certificateMatchesKey(base.currentCertificate, oldKey.publicKey),
        previousCertificateFile: join(newKey.dir, `${previousName}.crt`),
      };
      const plan: FleetOrgPlan = { spec, rotation };
      if (rotation.oldKeyMatches) {
        try {
          await exchangeWithKey(oldKey, targetOf(rotation, spec.username));
        } catch (error) {
          if (!isJwtSetupError(error)) throw error;
          const message = reason('rotate.loginFailed', [spec.username, error.message]);
          return { status: 'refused', code: error.errorCode, message, mismatch: false };
        }
        rotation.currentLoginChecked = true;
        return { status: 'ready', plan };
      }
      if (newKey.key && certificateMatchesKey(base.currentCertificate, newKey.key.publicKey)) {
        // A re-run: this org was swapped before. Its way back is the certificate the earlier run saved.
        const previous = await savedPrevious(newKey.dir, alias, oldKey);
        if (previous) {
          Object.assign(rotation, {
            currentCertificate: previous.certificate,
            previousCertificateFile: previous.file,
          });
        }
        return { status: 'done', plan, canRollBack: previous !== undefined };
      }
      const error = jwtError(
        'CertificateMismatch',
        [spec.app, alias, base.currentCertificate.fingerprintSha256, oldKey.sourceLabel],
        [spec.adminOrg, spec.app].map(shellArg),
      );
      return { status: 'refused', code: error.errorCode, message: error.message, mismatch: true };
    },
    async newKey() {
      fresh = await prepareNewKey(newKey, options);
      await writeNewKey(fresh);
      return fresh;
    },
    savePrevious: async (_alias, plan) => savePreviousCertificate(plan.rotation),
    async swap(alias, plan, key) {
      const outcome = await deployCertificate(plan.rotation, key.certificate, {
        what: plan.spec.app,
        waitMs: Math.max(waitMs, 60_000),
        emit: orgEvent(alias),
        newCertificate: key.certificate,
      });
      return { deployId: outcome.id };
    },
    swapMayHaveApplied: mayHaveApplied,
    unreachable: (error) => isTransportFailure(error) || isJwtSetupError(error, 'DeployOutcomeUnknown'),
    async verify(alias, plan, key, deadline) {
      await verifyLogin(
        plan.rotation,
        plan.spec.username,
        key.key,
        verifyOptions(alias, Math.max(deadline - Date.now(), 0)),
      );
      oldKeyChecks.set(alias, await checkOldKey(plan.rotation, plan.spec.username));
    },
    async rollback(alias, plan, key) {
      return rollback(plan.rotation, {
        ...verifyOptions(alias, waitMs),
        username: plan.spec.username,
        fresh: key,
        manualCommand: steps.rollbackCommand(alias, plan, key),
        emit: orgEvent(alias),
      });
    },
    rollbackCommand: (_alias, plan) => {
      const who = { targetOrg: plan.spec.adminOrg, username: plan.spec.username };
      if (oldKey.file) return rollbackCommand(plan.rotation, who);
      // The old key is in a variable: rotate takes key files, so the way back first writes it to one (mode 0600).
      const file = join(newKey.dir, `${stemOf(namedAfterOf(newKey))}.old.key`);
      const write = `(umask 077 && printenv ${shellArg(plan.spec.jwtKeyEnv ?? '')} > ${shellArg(file)})`;
      const rotation = { ...plan.rotation, oldKey: { ...oldKey, file } };
      return `${write} && ${rollbackCommand(rotation, who)}`;
    },
    async repoint(rotated, key) {
      return repointMany(
        rotated.map(({ plan }) => ({
          clientId: plan.rotation.consumerKey,
          oldPublicKeys: [oldKey.publicKey],
          newKey: key.key,
          orgIds: [plan.rotation.admin.orgId],
        })),
      );
    },
    describeFailure: describe,
  };
  if (push && fleetPush) {
    steps.push = async (rotated, key): Promise<PushStep> => {
      const secrets = orgSecrets(
        rotated.map((r) => r.alias),
        push.names,
        pemOf(key.key),
      );
      const pushed = await pushSecrets(push.check, secrets, { onEvent: (event) => emit({ type: 'push', event }) });
      fleetPush.report = pushed.report;
      // The old value every written name held: the fleet's one old key (from its file or its variable).
      const known = [...new Set(push.names.values())].map((name) => ({ ...keySecret(pemOf(oldKey)), name }));
      const { failure } = pushed.report;
      return {
        ok: failure === undefined,
        ...(failure
          ? { failure: { code: 'SecretPushFailed', message: `${failure.target} ${failure.name}: ${failure.reason}` } }
          : {}),
        undo: async (): Promise<void> => {
          fleetPush.undo = await pushed.undo(known);
        },
      };
    };
  }

  const outcome = await rotateFleet(steps, {
    aliases: [...orgs.keys()],
    concurrency: options.concurrency,
    waitMs,
    dryRun: options.dryRun,
    skipMismatched: options.skipMismatched,
    onEvent: emit,
  });
  const selected = outcome.orgs.filter((o) => o.state === 'rotated' || o.state === 'planned');
  const plans = selected.map((o) => o.plan).filter((p): p is FleetOrgPlan => p !== undefined);
  const localSource =
    outcome.status === 'rotated' || outcome.status === 'dry-run'
      ? await updateFleetSource(plans, outcome.status === 'rotated' ? fresh?.certificate.pem : undefined)
      : { searched: [], files: [], skipped: [] };
  return {
    outcome,
    localSource,
    specs: orgs,
    oldKey,
    newKey,
    fresh:
      fresh ?? (newKey.key && newKey.certificate ? { key: newKey.key, certificate: newKey.certificate } : undefined),
    oldKeyChecks,
    waitMinutes: options.waitMinutes,
    ...(fleetPush ? { push: fleetPush } : {}),
  };
}
