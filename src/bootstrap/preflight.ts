/*
 * Bootstrap's pre-flight: everything that can refuse does so here, before anything is written or deployed. The admin
 * org answers; the integration user exists, is active and not frozen; the names are valid; the permission set is
 * found or will be made; the consumer key is known (resolveConsumerKey: --consumer-key, the org's app, the local
 * metadata, and they agree) or will be made for a new app; the key folder is outside the package folder.
 */
import { resolve } from 'node:path';
import { defaultPermissionSetName } from '../app/generate.js';
import {
  validateAppName,
  validateConsumerKey,
  validatePermissionSetName,
  validateProfileName,
  type AppKind,
} from '../app/names.js';
import { resolveConsumerKey } from '../app/consumer-key.js';
import { readAppMetadata } from '../app/read-metadata.js';
import { jwtError, reason } from '../errors.js';
import { packageFoldersToGuard, refuseKeysInPackageFolders } from '../keys/key-location.js';
import { connectAdmin, type AdminOrg } from '../org/admin.js';
import { retrieveApp, type OrgApp } from '../org/apps.js';
import { findPermissionSet } from '../org/permission-sets.js';
import { findUser, type OrgUser } from '../org/users.js';

export type PreflightOptions = {
  targetOrg: string;
  username: string;
  app: string;
  kind: AppKind;
  permissionSet?: string;
  profiles: string[];
  consumerKey?: string;
  /** --jwt-key-file: checked against the package folders as the key folder is. */
  keyFile?: string;
  outputDir: string;
  sourceDir: string;
  /** Milliseconds the retrieve of the app may take. */
  waitMs: number;
};

export type Preflight = {
  admin: AdminOrg;
  user: OrgUser;
  app: string;
  /** The app as the org holds it now; undefined when it has none (a first run, or a refreshed sandbox). */
  orgApp?: OrgApp;
  /** The consumer key to use, and where it came from; undefined: the app is new and a key will be made. */
  consumerKey?: string;
  consumerKeySource: 'flag' | 'local' | 'org' | 'new';
  /** The permission set that admits the user, and whether the org has it already. */
  permissionSet?: string;
  permissionSetInOrg: boolean;
  profiles: string[];
};

export async function preflight(options: PreflightOptions): Promise<Preflight> {
  // Inputs first: nothing to ask the org when a name is wrong.
  const app = validateAppName(options.app);
  const profiles = [...new Set(options.profiles.map(validateProfileName))];
  const permissionSet =
    options.permissionSet !== undefined
      ? validatePermissionSetName(options.permissionSet)
      : profiles.length > 0
        ? undefined
        : defaultPermissionSetName(app);
  const givenKey = options.consumerKey !== undefined ? validateConsumerKey(options.consumerKey) : undefined;
  await refuseKeysInPackageFolders(
    [
      { path: options.outputDir, role: 'output-dir' },
      ...(options.keyFile ? [{ path: options.keyFile, role: 'jwt-key-file' as const }] : []),
    ],
    packageFoldersToGuard([resolve(options.sourceDir)]),
  );

  const admin = await connectAdmin(options.targetOrg);
  // Every read at once (they only read, and need nothing of each other): the user, the app (a retrieve, the longest),
  // the permission set, the local metadata. What is wrong with the user is still reported first.
  const settled = await Promise.allSettled([
    findUser(admin.connection, options.username),
    retrieveApp(admin.connection, options.kind, app, { waitMs: options.waitMs }),
    permissionSet ? findPermissionSet(admin.connection, permissionSet) : Promise.resolve(undefined),
    readAppMetadata(options.sourceDir).then((apps) => apps.find((a) => a.name === app && a.kind === options.kind)),
  ] as const);
  const user = valueOf(settled[0]);
  if (!user) throw jwtError('UserNotFound', [options.username, options.targetOrg], [options.username]);
  if (!user.isActive) throw jwtError('UserInactive', [options.username, options.targetOrg], [options.username]);
  if (user.frozen) throw jwtError('UserFrozen', [options.username, options.targetOrg], [options.username]);
  const [orgApp, inOrg, local] = [valueOf(settled[1]), valueOf(settled[2]), valueOf(settled[3])];

  const known = resolveConsumerKey({
    app,
    flag: givenKey !== undefined ? { value: givenKey, name: '--consumer-key' } : undefined,
    org: orgApp?.consumerKey,
    local: local?.consumerKey ? { value: local.consumerKey, where: resolve(options.sourceDir) } : undefined,
  });
  // The org has the app but withholds its key, and no local file knows it: never mint a new one for it.
  if (!known && orgApp) {
    throw jwtError('ConsumerKeyUnknown', [app, reason('consumerKey.withheld')], ['--consumer-key', options.targetOrg]);
  }
  const consumerKey = known?.consumerKey;
  const consumerKeySource: Preflight['consumerKeySource'] = known?.source ?? 'new';

  return {
    admin,
    user,
    app,
    orgApp,
    consumerKey,
    consumerKeySource,
    permissionSet,
    permissionSetInOrg: inOrg !== undefined,
    profiles,
  };
}

/** A settled read's value, or its error thrown (in the order the caller asks for them). */
function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
