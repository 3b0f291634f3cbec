/*
 * fleet check: the doctor's catalogue for every org of a fleet, a few orgs at a time, with no state shared between
 * orgs. Per org: the key checks (and the stored auth's key, read as sf's refresh reads it), the local certificate's
 * expiry where the fleet names one, one live exchange that registers nothing, one REST call with that exchange's own
 * token, and with `adminOrg` the org-side checks. Nothing is written: no lock, no key copy, no auth file.
 *
 * The one thing added to the doctor's report: an expiry warning's fix names the `sf jwt-setup rotate` command for
 * this org, filled in from the fleet.
 */
import { Messages } from '@salesforce/core';
import type { Check } from '../checks/check.js';
import { ERROR_CODES, errorName } from '../errors.js';
import { runDoctor } from '../doctor/runner.js';
import type { FleetOrg } from './manifest.js';
import { mapLimit } from './pool.js';
import { outcomeOf, type FleetOrgResult, type FleetOutcome } from './report.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'fleet');

export const DEFAULT_EXPIRY_DAYS = 30;

export type FleetCheckOptions = {
  concurrency: number;
  timeoutSeconds: number;
  expiryDays?: number;
  env?: NodeJS.ProcessEnv;
  /** Called as each org's checks are done (for progress). */
  onOrg?: (result: OrgCheckResult) => void;
};

export type OrgCheckResult = FleetOrgResult & {
  /** The doctor's checks for this org, ids and statuses as doctor reports them. */
  checks: Check[];
};

export type FleetCheckOutcome = FleetOutcome<OrgCheckResult> & { warned: number };

const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** `sf jwt-setup rotate` for this org, with what the fleet knows filled in. */
export function rotateCommand(org: FleetOrg): string {
  const { spec } = org;
  const parts = [
    'sf jwt-setup rotate',
    `--target-org ${spec.adminOrg ? quote(spec.adminOrg) : '<admin-org>'}`,
    `--app ${spec.app ? quote(spec.app) : '<app>'}`,
    `--username ${quote(spec.username)}`,
    ...(spec.jwtKeyFile ? [`--jwt-key-file ${quote(spec.jwtKeyFile)}`] : []),
    ...(spec.clientId ? [`--client-id ${quote(spec.clientId)}`] : []),
    ...(spec.instanceUrl ? [`--instance-url ${quote(spec.instanceUrl)}`] : []),
  ];
  return parts.join(' ');
}

/** The doctor's rotate advice on an expiring certificate, made this org's command. */
function withRotateCommand(checks: Check[], org: FleetOrg): Check[] {
  return checks.map((c) =>
    (c.id === 'certificate.validity' || c.id === 'org.certificate') &&
    c.status === 'warn' &&
    c.fix?.includes('sf jwt-setup rotate')
      ? { ...c, fix: messages.getMessage('rotateFix', [rotateCommand(org)]) }
      : c,
  );
}

const CODE_BY_NAME = new Map<string, string>(ERROR_CODES.map((code) => [errorName(code), code]));

async function checkOrg(org: FleetOrg, options: FleetCheckOptions): Promise<OrgCheckResult> {
  const started = Date.now();
  const report = await runDoctor({
    credentials: org.credentials,
    ...(org.targetOrg ? { targetOrg: org.targetOrg } : {}),
    certificateFile: org.spec.certificateFile,
    adminOrg: org.spec.adminOrg,
    app: org.spec.adminOrg ? org.spec.app : undefined,
    timeoutSeconds: options.timeoutSeconds,
    expiryDays: options.expiryDays ?? DEFAULT_EXPIRY_DAYS,
    readOnly: true,
    env: options.env,
  });
  const checks = withRotateCommand(report.checks, org);
  const failed = checks.filter((c) => c.status === 'fail');
  const warned = checks.filter((c) => c.status === 'warn');
  const exchange = report.exchange;
  // The exchange's refusal carries login's own code (UserNotApproved); other failures name their check.
  const refusal = exchange?.error ? CODE_BY_NAME.get(exchange.error.name) : undefined;
  const first = failed[0] ?? warned[0];
  return {
    alias: org.spec.alias,
    username: org.spec.username,
    ...(exchange?.orgId ? { orgId: exchange.orgId } : {}),
    ...(exchange?.instanceUrl ? { instanceUrl: exchange.instanceUrl } : {}),
    ...(exchange?.loginUrl ? { loginUrl: exchange.loginUrl } : {}),
    status: failed.length > 0 ? 'failed' : warned.length > 0 ? 'warn' : 'ok',
    ...(first ? { code: failed.length > 0 && refusal ? refusal : first.id, message: first.detail } : {}),
    durationMs: Date.now() - started,
    checks,
  };
}

export async function checkFleet(orgs: FleetOrg[], options: FleetCheckOptions): Promise<FleetCheckOutcome> {
  const results = await mapLimit(orgs, options.concurrency, async (org) => {
    const result = await checkOrg(org, options);
    options.onOrg?.(result);
    return result;
  });
  return { ...outcomeOf(results), warned: results.filter((r) => r.status === 'warn').length };
}
