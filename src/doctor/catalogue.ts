/*
 * Doctor's catalogue: the check groups in report order. A new group (the org side, say) is a new file under checks/
 * and one line here (and its ids in DoctorCheckId). The runner starts every group at once; a group waits only for the
 * facts it needs (group.ts), and a need must be provided by a group listed before it.
 */
import { certificate, type CertificateCheckId } from './checks/certificate.js';
import { claims, type ClaimsCheckId } from './checks/claims.js';
import { exchangeGroup, type ExchangeCheckId } from './checks/exchange.js';
import { inputs, target, type InputCheckId, type TargetCheckId } from './checks/inputs.js';
import { key, type KeyCheckId } from './checks/key.js';
import { keyCopies, storedAuth, type KeyCopiesCheckId, type StoredAuthCheckId } from './checks/stored-auth.js';
import { orgGroup, type OrgCheckId } from './checks/org.js';
import { hubGroup, type HubCheckId } from './checks/hub.js';
import type { CheckGroup } from './group.js';

export const CATALOGUE: readonly CheckGroup[] = [
  target,
  inputs,
  key,
  certificate,
  claims,
  exchangeGroup,
  orgGroup,
  storedAuth,
  keyCopies,
  hubGroup,
];

/** Every id doctor's report may carry (scripts match on them; the --json schema lists them). */
export type DoctorCheckId =
  | TargetCheckId
  | InputCheckId
  | KeyCheckId
  | CertificateCheckId
  | ClaimsCheckId
  | ExchangeCheckId
  | OrgCheckId
  // the target group and the stored-auth group both report stored-auth
  // eslint-disable-next-line @typescript-eslint/no-duplicate-type-constituents
  | StoredAuthCheckId
  | KeyCopiesCheckId
  | HubCheckId;
