/*
 * Bootstrap's admission of the integration user: the permission set assigned (an existing assignment is kept).
 */
import { jwtError } from '../errors.js';
import { ensureAssignment } from '../org/permission-sets.js';
import { shellArg } from '../util/shell.js';
import type { BootstrapEvent, BootstrapOptions, BootstrapPlan } from './types.js';

export async function admitUser(
  plan: BootstrapPlan,
  options: BootstrapOptions,
  emit: (event: BootstrapEvent) => void,
): Promise<'created' | 'existing' | undefined> {
  const checked = plan.preflight;
  if (!checked.permissionSet) return undefined;
  let assignment: 'created' | 'existing';
  try {
    assignment = await ensureAssignment(checked.admin.org, checked.user, checked.permissionSet);
  } catch (error) {
    // jwtError bounds every token it quotes.
    const why = error instanceof Error ? error.message : String(error);
    throw jwtError(
      'AssignmentFailed',
      [checked.permissionSet, options.username, why],
      [checked.permissionSet, options.username, options.targetOrg].map(shellArg),
      error,
    );
  }
  emit({ type: 'assignment', permissionSet: checked.permissionSet, result: assignment });
  return assignment;
}
