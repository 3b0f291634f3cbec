/*
 * Bootstrap's pre-flight: everything that can refuse does so here, before anything is written or deployed. The admin
 * org answers; the integration user exists, is active and not frozen; the names are valid; the permission set is
 * found or will be made; the consumer key is known (resolveConsumerKey: --consumer-key, the org's app, the local
 * metadata, and they agree) or will be made for a new app; the key folder is outside the package folder.
 */
import { relative, resolve, sep } from 'node:path';
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

function inside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`));
}

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
  if (inside(options.outputDir, options.sourceDir)) {
    throw jwtError(
      'KeyInPackageFolder',
      [resolve(options.outputDir), resolve(options.sourceDir)],
      [resolve(options.outputDir)],
    );
  }

  const admin = await connectAdmin(options.targetOrg);
  const user = await findUser(admin.connection, options.username);
  if (!user) throw jwtError('UserNotFound', [options.username, options.targetOrg], [options.username]);
  if (!user.isActive) throw jwtError('UserInactive', [options.username, options.targetOrg], [options.username]);
  if (user.frozen) throw jwtError('UserFrozen', [options.username, options.targetOrg], [options.username]);

  const [orgApp, inOrg, local] = await Promise.all([
    retrieveApp(admin.connection, options.kind, app, { waitMs: options.waitMs }),
    permissionSet ? findPermissionSet(admin.connection, permissionSet) : Promise.resolve(undefined),
    readAppMetadata(options.sourceDir).then((apps) => apps.find((a) => a.name === app && a.kind === options.kind)),
  ]);

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
