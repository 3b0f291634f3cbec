/*
 * `bootstrap` as a function: from an admin login to a working pipeline identity. Pre-flight and plan (nothing
 * changes), the key pair and the app as metadata in the package folder, the deploys (a new permission set first,
 * then the app; skipped when the org already holds exactly this), the assignment, and a verified JWT login
 * registered with the sf CLI. Re-running converges: the same consumer key, the same key pair, no second assignment,
 * no deploy when nothing changed. Each step is its own module; this file reads as the steps.
 */
import { audienceCandidates, parseLoginUrl } from '../jwt/endpoint.js';
import { admitUser } from './admit.js';
import { deployToOrg } from './deploys.js';
import { writeLocalFiles } from './local-files.js';
import { planBootstrap } from './plan.js';
import { clockOf, type BootstrapLogin, type BootstrapOptions, type BootstrapOutcome } from './types.js';
import { verifyLogin } from './verify.js';

export type { BootstrapEvent, BootstrapLogin, BootstrapOptions, BootstrapOutcome, BootstrapPlan } from './types.js';
export { planBootstrap } from './plan.js';

export async function bootstrap(options: BootstrapOptions): Promise<BootstrapOutcome> {
  const clock = clockOf(options.waitMinutes);
  const emit = options.onEvent ?? ((): void => undefined);
  const plan = await planBootstrap(options);
  if (options.dryRun) return { plan, dryRun: true, deployIds: [] };

  const local = await writeLocalFiles(plan, options, emit);
  const { deployIds, appDeployId } = await deployToOrg(plan, options, local, emit, clock);
  const assignment = await admitUser(plan, options, emit);
  const login = await verifyLogin(plan, options, local, emit, clock);
  return { plan, dryRun: false, app: local.app, deployIds, appDeployId, assignment, login };
}

/** The audience a pipeline must set in SF_AUDIENCE_URL: only when the login needed the fallback one. */
export function audienceToHandOver(outcome: Pick<BootstrapLogin, 'loginUrl' | 'audience'>): string | undefined {
  const first = audienceCandidates(parseLoginUrl(outcome.loginUrl))[0];
  return outcome.audience !== first ? outcome.audience : undefined;
}
