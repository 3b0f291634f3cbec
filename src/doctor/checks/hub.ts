/*
 * The Dev Hub's side of scratch orgs (doctor --dev-hub; the hub is --target-org, an admin login is --admin-org):
 * whether the org is a Dev Hub, whether the key path that every scratch auth will copy is usable, which kind of app
 * holds the hub's consumer key and whether its certificate is unexpired (what scratch signup needs), the hub's recent
 * signup failures, and the variables that change how sf logs in to new orgs. It requires --dev-hub (and the network),
 * needs no other group's facts and provides none: it reads the hub and the admin org itself and returns its checks.
 * Nothing is written to either org.
 *
 * Sources (forcedotcom/sfdx-core 9.x, salesforcecli/plugin-org 6.0.x `org create scratch`):
 * - src/org/org.ts determineIfDevHubOrg: the ScratchOrgInfo probe.
 * - src/org/scratchOrgInfoGenerator.ts generateScratchOrgInfo: ConnectedAppConsumerKey is --client-id, the
 *   definition's, SF_SCRATCH_SIGNUP_CONNECTED_APP, else the hub auth's clientId; so the hub's own app is the one
 *   signup replicates, unless overridden.
 * - src/org/scratchOrgInfoApi.ts buildOAuth2Options/authorizeScratchOrg: with a hub privateKey and neither
 *   SF_SCRATCH_SIGNUP_CONNECTED_APP nor SFDX_CLIENT_SECRET, a JWT login signed with the hub's key file, whose path the
 *   scratch auth then stores; otherwise an authorization-code exchange.
 * - src/org/authInfo.ts initAuthOptions (parentUsername) and src/org/org.ts writeSandboxAuthFile (the sandbox login
 *   after create/refresh passes parentUsername too): SF_SCRATCH_SIGNUP_CONNECTED_APP replaces the client id and
 *   SFDX_CLIENT_SECRET adds a secret, for scratch and sandbox logins alike. Whether a
 *   sandbox login then fails or passes is not claimed.
 * - src/org/scratchOrgErrorCodes.ts: C-1016 and its action naming the two stop-gap variables (core ≥ 9.1.0).
 * What is not claimed (see the facts file, section 11): that a Permitted Users setting is required, a fixed audience
 * or login host, that ECA + JWT scratch creation works without the variables, that the stop-gap is permanent.
 */
import { fail, pass, skip, warn, type Check } from '../../report/check.js';
import { briefError, isJwtSetupError } from '../../errors.js';
import { readCertificate } from '../../keys/certificate.js';
import { connectAdmin, type AdminOrg } from '../../org/admin.js';
import type { OrgApp } from '../../org/apps.js';
import { probeDevHub, recentSignupErrors, type ScratchSignup } from '../../org/scratch-orgs.js';
import { signupErrorCause } from '../../org/signup-errors.js';
import type { StoredAuth } from '../../store/auth-store.js';
import { sfKeyFileProblem } from '../../store/key-copy.js';
import { SCRATCH_SIGNUP_OVERRIDE_CORE, versionBefore } from '../../util/sf-core.js';
import type { DoctorInputs } from '../context.js';
import { defineGroup } from '../group.js';
import { shellArg } from '../../util/shell.js';
import { hm } from './hub-messages.js';

/** How far back hub.signup-errors looks, in days. */
export const SIGNUP_HISTORY_DAYS = 7;
const EXPIRY_WARNING_DAYS = 30;
const DAY = 86_400_000;
/** The variables that switch sf's scratch (and sandbox) login away from JWT. */
export const SIGNUP_OVERRIDE_VARIABLES = ['SFDX_CLIENT_SECRET', 'SF_SCRATCH_SIGNUP_CONNECTED_APP'] as const;

/** The hub group's ids, in report order. */
export const HUB_CHECK_IDS = [
  'hub.is-dev-hub',
  'hub.key-path',
  'hub.app-kind',
  'hub.certificate',
  'hub.signup-errors',
  'hub.env',
] as const;
export type HubCheckId = (typeof HUB_CHECK_IDS)[number];
type HubCheck = Check<HubCheckId>;

const TITLES: Record<HubCheckId, string> = {
  'hub.is-dev-hub': 'isDevHubTitle',
  'hub.key-path': 'keyPathTitle',
  'hub.app-kind': 'appKindTitle',
  'hub.certificate': 'certificateTitle',
  'hub.signup-errors': 'signupErrorsTitle',
  'hub.env': 'envTitle',
};
const title = (id: HubCheckId): string => hm(TITLES[id]);

const brief = briefError;

/** The stored key path, read as sf's token refresh reads it (a scratch auth refreshes from this same path). */
export async function keyPathCheck(hub: StoredAuth): Promise<HubCheck> {
  const id = 'hub.key-path';
  const path = hub.privateKey;
  if (!path || !hub.isJwt)
    return warn(id, title(id), hm('keyPathNotJwt', [hub.username]), hm('keyPathNotJwtFix', [shellArg(hub.username)]));
  if (!path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path))
    return fail(id, title(id), hm('keyPathRelative', [path]), hm('keyPathFix', [path]));
  const problem = await sfKeyFileProblem(path);
  if (problem) return fail(id, title(id), hm('keyPathMissing', [path, problem]), hm('keyPathFix', [path]));
  return pass(id, title(id), hm('keyPathPass', [path]));
}

export function envCheck(env: NodeJS.ProcessEnv): HubCheck {
  const id = 'hub.env';
  const set = SIGNUP_OVERRIDE_VARIABLES.filter((name) => (env[name] ?? '') !== '');
  if (set.length === 0) return pass(id, title(id), hm('envPass'));
  return warn(id, title(id), hm('envSet', [set.join(' and ')]), hm('envSetFix'));
}

/** C-1016 first, then newest first; each with its code and cause. */
export function signupErrorsCheck(errors: ScratchSignup[]): HubCheck {
  const id = 'hub.signup-errors';
  if (errors.length === 0) return pass(id, title(id), hm('signupErrorsNone', [SIGNUP_HISTORY_DAYS]));
  const ranked = [...errors].sort((a, b) => Number(b.errorCode === 'C-1016') - Number(a.errorCode === 'C-1016'));
  const items = ranked.map((e) =>
    hm('signupErrorsItem', [e.errorCode ?? '-', e.signupUsername, e.createdDate ?? '-', signupErrorCause(e.errorCode)]),
  );
  return warn(
    id,
    title(id),
    hm('signupErrorsSome', [errors.length, SIGNUP_HISTORY_DAYS, items.join(' | ')]),
    hm('signupErrorsFix', [SIGNUP_HISTORY_DAYS]),
  );
}

export function appKindCheck(
  found: { app?: OrgApp; apps: OrgApp[]; keysWithheld: boolean; adminOrg: string },
  clientId: string,
  sfCoreVersion: string | undefined,
): HubCheck {
  const id = 'hub.app-kind';
  const { app } = found;
  if (!app) {
    return found.keysWithheld
      ? warn(id, title(id), hm('appKindWithheld', [found.apps.length]), hm('appKindWithheldFix'))
      : warn(
          id,
          title(id),
          hm('appKindMissing', [found.adminOrg, clientId, found.apps.length]),
          hm('appKindMissingFix'),
        );
  }
  if (app.kind === 'connected') return pass(id, title(id), hm('appKindConnected', [app.name]));
  const oldCore =
    sfCoreVersion !== undefined && versionBefore(sfCoreVersion, SCRATCH_SIGNUP_OVERRIDE_CORE)
      ? ` ${hm('appKindOldCore', [sfCoreVersion])}`
      : '';
  return fail(id, title(id), hm('appKindExternal', [app.name]) + oldCore, hm('appKindExternalFix') + oldCore);
}

/** The rotate command that gives the hub's app a new certificate and moves the hub login to the new key. */
export function rotateCommand(options: { adminOrg: string; app: OrgApp; hub: StoredAuth }): string {
  const { adminOrg, app, hub } = options;
  const parts = [
    'sf jwt-setup rotate',
    `--target-org ${adminOrg}`,
    `--app ${app.name}`,
    `--username ${hub.username}`,
    ...(hub.privateKey ? [`--jwt-key-file ${hub.privateKey}`] : []),
    ...(hub.clientId ? [`--client-id ${hub.clientId}`] : []),
    ...(hub.loginUrl ? [`--instance-url ${hub.loginUrl.replace(/\/+$/, '')}`] : []),
  ];
  return `\`${parts.join(' ')}\``;
}

export async function certificateCheck(
  app: OrgApp | undefined,
  adminOrg: string,
  hub: StoredAuth,
  now = Date.now(),
): Promise<HubCheck> {
  const id = 'hub.certificate';
  if (!app) return skip(id, title(id), hm('noApp'));
  const fix = hm('certificateFix', [rotateCommand({ adminOrg, app, hub })]);
  const held = app.certificatePem
    ? await readCertificate(app.certificatePem, app.name).catch(() => undefined)
    : undefined;
  if (!held) return fail(id, title(id), hm('certificateNone', [app.name]), fix);
  const notAfter = held.notAfter.getTime();
  const shown = [app.name, held.fingerprintSha256, held.notAfter.toISOString()];
  if (notAfter < now) return fail(id, title(id), hm('certificateExpired', shown), fix);
  if (notAfter < now + EXPIRY_WARNING_DAYS * DAY)
    return warn(id, title(id), hm('certificateExpiring', [...shown, Math.ceil((notAfter - now) / DAY)]), fix);
  return pass(id, title(id), hm('certificatePass', shown));
}

type AppFacts = { app?: OrgApp; apps: OrgApp[]; keysWithheld: boolean; adminOrg: string };

/** The app holding the hub's consumer key, read from the admin org (or the one --app names when keys are withheld). */
async function readHubApp(inputs: DoctorInputs, adminOrg: string, clientId: string | undefined): Promise<AppFacts> {
  const { retrieveAllApps, retrieveApp } = await import('../../org/apps.js');
  const admin: AdminOrg = await connectAdmin(adminOrg);
  const waitMs = inputs.options.timeoutSeconds * 1000;
  const named = inputs.options.app;
  const apps = named
    ? (
        await Promise.all([
          retrieveApp(admin.connection, 'connected', named, { waitMs }),
          retrieveApp(admin.connection, 'external', named, { waitMs }),
        ])
      ).filter((a): a is OrgApp => a !== undefined)
    : await retrieveAllApps(admin.connection, { waitMs });
  const keysWithheld = apps.length > 0 && apps.every((a) => a.consumerKey === undefined);
  const app =
    apps.find((a) => clientId !== undefined && a.consumerKey === clientId) ??
    (named && (keysWithheld || clientId === undefined) ? apps.find((a) => a.name === named) : undefined);
  return { app, apps, keysWithheld, adminOrg };
}

async function hubSide(hubName: string, hub: StoredAuth): Promise<HubCheck[]> {
  let connection: AdminOrg;
  try {
    connection = await connectAdmin(hubName);
  } catch (error) {
    const reason = isJwtSetupError(error) ? brief(error.cause ?? error) : brief(error);
    return [
      fail(
        'hub.is-dev-hub',
        title('hub.is-dev-hub'),
        hm('hubUnreachable', [hubName, reason]),
        hm('hubUnreachableFix', [hubName]),
      ),
      skip('hub.signup-errors', title('hub.signup-errors'), hm('hubUnreachable', [hubName, reason])),
    ];
  }
  const probe = await probeDevHub(connection.connection);
  if (!probe.isDevHub) {
    const why = probe.errorCode ?? probe.message;
    return [
      fail(
        'hub.is-dev-hub',
        title('hub.is-dev-hub'),
        hm('isDevHubFail', [hub.username, connection.orgId, why]),
        hm('isDevHubFix'),
      ),
      skip('hub.signup-errors', title('hub.signup-errors'), hm('isDevHubFail', [hub.username, connection.orgId, why])),
    ];
  }
  let history: HubCheck;
  try {
    history = signupErrorsCheck(await recentSignupErrors(connection.connection, SIGNUP_HISTORY_DAYS));
  } catch (error) {
    history = skip('hub.signup-errors', title('hub.signup-errors'), hm('signupErrorsUnreadable', [brief(error)]));
  }
  return [
    pass('hub.is-dev-hub', title('hub.is-dev-hub'), hm('isDevHubPass', [hub.username, connection.orgId])),
    history,
  ];
}

async function appSide(inputs: DoctorInputs, hub: StoredAuth): Promise<HubCheck[]> {
  const adminOrg = inputs.options.adminOrg;
  if (!adminOrg) {
    return [
      skip('hub.app-kind', title('hub.app-kind'), hm('needsAdminOrg')),
      skip('hub.certificate', title('hub.certificate'), hm('needsAdminOrg')),
    ];
  }
  let facts: AppFacts;
  try {
    facts = await readHubApp(inputs, adminOrg, hub.clientId);
  } catch (error) {
    const reason = hm('adminUnreadable', [adminOrg, brief(error)]);
    return [
      skip('hub.app-kind', title('hub.app-kind'), reason),
      skip('hub.certificate', title('hub.certificate'), reason),
    ];
  }
  return [
    appKindCheck(facts, hub.clientId ?? '-', inputs.options.sfCoreVersion),
    await certificateCheck(facts.app, adminOrg, hub),
  ];
}

const order = (checks: HubCheck[]): HubCheck[] =>
  HUB_CHECK_IDS.map((id) => checks.find((c) => c.id === id)).filter((c): c is HubCheck => c !== undefined);

export const hubGroup = defineGroup({
  name: 'hub',
  ids: HUB_CHECK_IDS,
  requires: ['dev-hub', 'network'],
  needs: [],
  provides: [],
  // Without --dev-hub the group is not asked for and reports nothing; offline, every hub check skips.
  skipped: (condition) =>
    condition === 'dev-hub' ? [] : HUB_CHECK_IDS.map((id) => skip(id, title(id), hm('offline'))),
  async run(inputs) {
    const hubName = inputs.options.targetOrg ?? '';
    const hub = inputs.stored?.value;
    if (!hub) {
      const why = inputs.stored?.error?.message ?? hm('notRegistered', [hubName]);
      return {
        checks: order([
          fail('hub.is-dev-hub', title('hub.is-dev-hub'), why, hm('notRegisteredFix', [hubName])),
          envCheck(inputs.env),
        ]),
      };
    }
    const [hubChecks, keyPath, appChecks] = await Promise.all([
      hubSide(hubName, hub),
      keyPathCheck(hub),
      appSide(inputs, hub),
    ]);
    return { checks: order([...hubChecks, keyPath, ...appChecks, envCheck(inputs.env)]) };
  },
});
