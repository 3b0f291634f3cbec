/*
 * The org's side, read with an admin login (--admin-org): which app holds the consumer key, its certificate and
 * policy, the user and what admits it, and whether the admin org is the login's org. Facts instead of guesses. The
 * reads run concurrently with the exchange; the checks that compare with the exchange wait for it. Nothing is written
 * to either org, and retrieved metadata stays in memory.
 */
import { fail, failFromError, pass, skip, warn, type Check } from '../../report/check.js';
import { bounded, isJwtSetupError, jwtError, type JwtSetupError } from '../../errors.js';
import { readCertificate } from '../../keys/certificate.js';
import { publicKeyFingerprint, type LoadedKey } from '../../keys/private-key.js';
import { connectAdmin, type AdminOrg } from '../../org/admin.js';
import type { OrgApp } from '../../org/apps.js';
import { assignedPermissionSets } from '../../org/permission-sets.js';
import { findUser } from '../../org/users.js';
import type { DoctorInputs } from '../context.js';
import { defineGroup, type ExchangeOutcome, type OrgFacts } from '../group.js';
import { m } from '../messages.js';
import { shellCommand } from '../../util/shell.js';
import { shellArg } from '../../util/shell.js';
import { validityCheck } from './certificate.js';

export const ORG_CHECK_IDS = [
  'org.match',
  'org.app',
  'org.certificate',
  'org.policy',
  'org.user',
  'org.admission',
] as const;
export type OrgCheckId = (typeof ORG_CHECK_IDS)[number];
type OrgCheck = Check<OrgCheckId>;

const TITLES: Record<OrgCheckId, string> = {
  'org.match': 'org.matchTitle',
  'org.app': 'org.appTitle',
  'org.certificate': 'org.certificateTitle',
  'org.policy': 'org.policyTitle',
  'org.user': 'org.userTitle',
  'org.admission': 'org.admissionTitle',
};

/** What the org checks compare with: the run's inputs, and the key and the exchange once they have settled. */
type DoctorContext = DoctorInputs & { key?: LoadedKey; exchange?: ExchangeOutcome };

/**
 * The org side was asked for and cannot be read: org.match fails with the reason (AdminOrgUnreachable), and the other
 * org checks skip naming it.
 */
function unreadable(adminOrg: string, error: JwtSetupError): OrgCheck[] {
  const brief = bounded(error.message.split('\n')[0]);
  return ORG_CHECK_IDS.map((id) =>
    id === 'org.match'
      ? failFromError(id, m(TITLES[id]), error)
      : skip(id, m(TITLES[id]), m('org.unreadable', [adminOrg, brief])),
  );
}

/** A failure to read the org, as AdminOrgUnreachable (connectAdmin's own, or a read that failed after it). */
function asUnreachable(adminOrg: string, error: unknown): JwtSetupError {
  if (isJwtSetupError(error, 'AdminOrgUnreachable')) return error;
  const what = isJwtSetupError(error)
    ? error.message
    : error instanceof Error
      ? `${error.name}: ${error.message.split('\n')[0]}`
      : String(error);
  return jwtError('AdminOrgUnreachable', [adminOrg, what], [adminOrg], error);
}

type AppsModule = typeof import('../../org/apps.js');

async function readOrg(context: DoctorInputs, admin: AdminOrg, appsModule: Promise<AppsModule>): Promise<OrgFacts> {
  const { retrieveAllApps, retrieveApp } = await appsModule;
  const waitMs = context.options.timeoutSeconds * 1000;
  const named = context.options.app;
  // The user and their permission sets are read while the apps are retrieved (the longest read).
  const userAndSets = context.username.value
    ? findUser(admin.connection, context.username.value).then(async (found) =>
        found ? { user: found, sets: await assignedPermissionSets(admin.connection, found.id) } : undefined,
      )
    : Promise.resolve(undefined);
  const [apps, read] = await Promise.all([
    named
      ? Promise.all([
          retrieveApp(admin.connection, 'external', named, { waitMs }),
          retrieveApp(admin.connection, 'connected', named, { waitMs }),
        ]).then((found) => found.filter((a): a is OrgApp => a !== undefined))
      : retrieveAllApps(admin.connection, { waitMs }),
    userAndSets,
  ]);
  const user = read?.user;
  const clientId = context.clientId.value;
  const keysWithheld = apps.length > 0 && apps.every((a) => a.consumerKey === undefined);
  const app =
    apps.find((a) => clientId !== undefined && a.consumerKey === clientId) ??
    (named && (keysWithheld || clientId === undefined) ? apps.find((a) => a.name === named) : undefined);
  return { admin, apps, app, keysWithheld, user, userPermissionSets: read?.sets ?? [] };
}

function matchCheck(context: DoctorContext, facts: OrgFacts): OrgCheck {
  const title = m('org.matchTitle');
  const kind = facts.admin.isSandbox ? m('org.sandbox') : m('org.production');
  const loginOrg = context.exchange?.grant?.orgId;
  if (loginOrg) {
    return loginOrg.slice(0, 15) === facts.admin.orgId.slice(0, 15)
      ? pass('org.match', title, m('org.matchPass', [facts.admin.orgId, kind]))
      : fail('org.match', title, m('org.matchFail', [facts.admin.orgId, loginOrg]), m('org.matchFix'));
  }
  // No token: compare the login host with the admin org's My Domain; login/test hosts serve every org.
  const host = context.loginUrl.value?.url.host;
  const adminHost = new URL(facts.admin.instanceUrl).host;
  if (host && host !== adminHost && !/^(login|test)\.salesforce\.com$/.test(host)) {
    return warn('org.match', title, m('org.matchHost', [host, adminHost]), m('org.matchFix'));
  }
  return pass('org.match', title, m('org.matchAssumed', [facts.admin.orgId, kind]));
}

function appCheck(context: DoctorContext, facts: OrgFacts): OrgCheck {
  const title = m('org.appTitle');
  const clientId = context.clientId.value ?? '';
  if (facts.app) {
    const how = facts.app.consumerKey === clientId ? m('org.appByKey') : m('org.appByName');
    return pass('org.app', title, m('org.appPass', [facts.app.name, facts.app.kind, how]));
  }
  if (facts.keysWithheld)
    return warn('org.app', title, m('org.appWithheld', [facts.apps.length]), m('org.appWithheldFix'));
  return fail('org.app', title, m('org.appMissing', [facts.admin.orgId, facts.apps.length]), m('org.appMissingFix'));
}

/** The bootstrap command that puts this key's certificate in the app and pre-authorizes its users, with real values. */
function bootstrapCommand(context: DoctorContext, app: OrgApp): string {
  const command = shellCommand(
    'sf jwt-setup bootstrap',
    '--target-org',
    context.options.adminOrg ?? { placeholder: '<admin>' },
    '--username',
    context.username.value ?? { placeholder: '<user>' },
    '--app',
    app.name,
    ...(app.kind === 'connected' ? ['--type', 'connected'] : []),
    ...(app.permissionSets[0] ? ['--permission-set', app.permissionSets[0]] : []),
    '--jwt-key-file',
    context.key?.file ?? { placeholder: '<key file>' },
    ...(context.clientId.value ? ['--consumer-key', context.clientId.value] : []),
    ...(context.loginUrl.value ? ['--instance-url', context.loginUrl.value.url.origin] : []),
  );
  return `\`${command}\``;
}

function keyFingerprint(context: DoctorContext): string | undefined {
  return context.key ? publicKeyFingerprint(context.key.publicKey) : undefined;
}

async function certificateChecks(context: DoctorContext, facts: OrgFacts): Promise<OrgCheck[]> {
  const title = m('org.certificateTitle');
  const app = facts.app;
  if (!app) return [skip('org.certificate', title, m('org.noApp'))];
  if (!app.certificatePem) {
    return [
      fail(
        'org.certificate',
        title,
        m('org.certificateNone', [app.name]),
        m('org.certificateFix', [bootstrapCommand(context, app)]),
      ),
    ];
  }
  const held = await readCertificate(app.certificatePem, app.name).catch(() => undefined);
  if (!held)
    return [
      fail(
        'org.certificate',
        title,
        m('org.certificateUnreadable', [app.name]),
        m('org.certificateFix', [bootstrapCommand(context, app)]),
      ),
    ];
  const mine = keyFingerprint(context);
  const theirs = publicKeyFingerprint(held.publicKey);
  const expiry = validityCheck(held, Date.now(), context.options.expiryDays);
  const expiring = expiry.status === 'warn';
  if (mine === undefined) {
    return [skip('org.certificate', title, m('org.certificateNoKey', [app.name, held.fingerprintSha256]))];
  }
  if (mine !== theirs) {
    return [
      fail(
        'org.certificate',
        title,
        m('org.certificateOther', [app.name, held.fingerprintSha256, colon(theirs), colon(mine)]),
        m('org.certificateFix', [bootstrapCommand(context, app)]),
      ),
    ];
  }
  const detail = m('org.certificatePass', [app.name, held.fingerprintSha256, held.notAfter.toISOString()]);
  return [
    expiring
      ? warn('org.certificate', title, `${detail} ${expiry.detail}`, m('org.rotateFix', [rotateCommand(context, app)]))
      : pass('org.certificate', title, detail),
  ];
}

function rotateCommand(context: DoctorContext, app: OrgApp): string {
  const command = shellCommand(
    'sf jwt-setup rotate',
    '--target-org',
    context.options.adminOrg ?? { placeholder: '<admin>' },
    '--app',
    app.name,
    '--username',
    context.username.value ?? { placeholder: '<user>' },
    '--jwt-key-file',
    context.key?.file ?? { placeholder: '<key file>' },
  );
  return `\`${command}\``;
}

/** A hex digest as AB:CD:…, the way certificate fingerprints are shown. */
function colon(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

function policyCheck(context: DoctorContext, facts: OrgFacts): OrgCheck {
  const title = m('org.policyTitle');
  const app = facts.app;
  if (!app) return skip('org.policy', title, m('org.noApp'));
  const admits = [...app.permissionSets, ...app.profiles.map((p) => m('org.profileNamed', [p]))].join(', ') || '-';
  if (app.preAuthorized) return pass('org.policy', title, m('org.policyPass', [app.name, admits]));
  const refused = context.exchange?.refusal?.errorCode === 'UserNotApproved';
  return refused
    ? fail(
        'org.policy',
        title,
        m('org.policySelf', [app.name]),
        m('org.policyFix', [app.name, bootstrapCommand(context, app)]),
      )
    : warn(
        'org.policy',
        title,
        m('org.policySelfWorks', [app.name]),
        m('org.policyFix', [app.name, bootstrapCommand(context, app)]),
      );
}

function userCheck(context: DoctorContext, facts: OrgFacts): OrgCheck {
  const title = m('org.userTitle');
  const username = context.username.value;
  if (!username) return skip('org.user', title, m('org.noUsername'));
  const user = facts.user;
  if (!user)
    return fail('org.user', title, m('org.userMissing', [username, facts.admin.orgId]), m('org.userMissingFix'));
  if (!user.isActive)
    return fail('org.user', title, m('org.userInactive', [username]), m('org.userInactiveFix', [username]));
  if (user.frozen) return fail('org.user', title, m('org.userFrozen', [username]), m('org.userFrozenFix', [username]));
  return pass('org.user', title, m('org.userPass', [username, user.profileName ?? '-']));
}

function admissionCheck(context: DoctorContext, facts: OrgFacts): OrgCheck {
  const title = m('org.admissionTitle');
  const { app, user } = facts;
  if (!app || !user) return skip('org.admission', title, m(app ? 'org.noUser' : 'org.noApp'));
  const bySet = app.permissionSets.filter((p) => facts.userPermissionSets.includes(p));
  const byProfile = user.profileName !== undefined && app.profiles.includes(user.profileName);
  if (bySet.length > 0 || byProfile) {
    return pass(
      'org.admission',
      title,
      m('org.admissionPass', [user.username, bySet.join(', ') || m('org.profileNamed', [user.profileName ?? ''])]),
    );
  }
  const target = context.options.adminOrg ?? '<admin>';
  const fix =
    app.permissionSets.length > 0
      ? m('org.admissionFixAssign', [
          shellArg(app.permissionSets[0]),
          shellArg(user.username),
          context.options.adminOrg ? shellArg(target) : target,
        ])
      : m('org.admissionFixPolicy', [user.profileName ?? '-', app.name]);
  const admits = [...app.permissionSets, ...app.profiles.map((p) => m('org.profileNamed', [p]))].join(', ') || '-';
  return fail('org.admission', title, m('org.admissionFail', [user.username, app.name, admits]), fix);
}

export const orgGroup = defineGroup({
  name: 'org',
  ids: ORG_CHECK_IDS,
  requires: ['admin-org'],
  needs: ['key', 'exchange'],
  provides: ['org'],
  skipped: () => [],
  async run(inputs, needed) {
    const adminOrg = inputs.options.adminOrg as string;
    let facts: OrgFacts;
    try {
      // The org is read while the exchange runs; the checks that compare with it wait for it below. The metadata
      // library loads only when the org is read (doctor without --admin-org never pays for it), while the admin
      // org is being reached.
      const appsModule = import('../../org/apps.js');
      appsModule.catch(() => undefined);
      const admin = await connectAdmin(adminOrg, { readOnly: inputs.options.readOnly });
      facts = await readOrg(inputs, admin, appsModule);
    } catch (error) {
      await needed.exchange;
      return { checks: unreadable(adminOrg, asUnreachable(adminOrg, error)) };
    }
    const [key, exchange] = await Promise.all([needed.key, needed.exchange]);
    const context: DoctorContext = { ...inputs, key, exchange };
    const checks = [
      matchCheck(context, facts),
      appCheck(context, facts),
      ...(await certificateChecks(context, facts)),
      policyCheck(context, facts),
      userCheck(context, facts),
      admissionCheck(context, facts),
    ];
    return { checks, facts: { org: facts } };
  },
});
