/*
 * Every check id the plugin reports, as one typed list: doctor's report, `assertion --check`, --json and GitHub
 * annotations all use these, and a typo is a compile error. Ids are stable: scripts match on them.
 */
export const CHECK_IDS = [
  // the key
  'key.source',
  'key.passphrase',
  'key.decode',
  'key.size',
  'key.permissions',
  'key.location',
  // the certificate in the app
  'certificate.decode',
  'certificate.match',
  'certificate.signature',
  'certificate.validity',
  // the assertion (doctor's, or one given to assertion --check)
  'format',
  'header.alg',
  'header.typ',
  'header.typ-alg',
  'claims.case',
  'claims.iss',
  'claims.sub',
  'claims.aud',
  'claims.exp',
  'signature',
  // the login host
  'endpoint.url',
  'endpoint.reachable',
  'endpoint.clock',
  // Salesforce's answers
  'exchange',
  'api',
  // the sf CLI's store
  'stored-auth',
  'stored-auth.key-copies',
  // the org's side, read with an admin login (doctor --admin-org)
  'org.match',
  'org.app',
  'org.certificate',
  'org.policy',
  'org.user',
  'org.admission',
  // the Dev Hub's side of scratch orgs (doctor --dev-hub)
  'hub.is-dev-hub',
  'hub.key-path',
  'hub.app-kind',
  'hub.certificate',
  'hub.signup-errors',
  'hub.env',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];
