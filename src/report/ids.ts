/*
 * The ids of the assertion's checks: `assertion --check` reports them, and doctor's claims group reports the claims'
 * ones. Doctor's other groups declare their ids in their own files (src/doctor/checks/). Ids are stable: scripts
 * match on them.
 */
export const CLAIM_CHECK_IDS = ['claims.case', 'claims.iss', 'claims.sub', 'claims.aud', 'claims.exp'] as const;

export const ASSERTION_CHECK_IDS = [
  'format',
  'header.alg',
  'header.typ',
  'header.typ-alg',
  ...CLAIM_CHECK_IDS,
  'signature',
] as const;

export type ClaimCheckId = (typeof CLAIM_CHECK_IDS)[number];
export type AssertionCheckId = (typeof ASSERTION_CHECK_IDS)[number];
/** The ids of the checks the jwt rules make. */
export type CheckId = AssertionCheckId;
