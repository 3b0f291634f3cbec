/*
 * Doctor's catalogue: the check groups in report order. A new group (the org side, say) is a new file under checks/
 * and one line here. Groups of the first phase find what the others use (the inputs and the key); the second phase
 * runs concurrently.
 */
import { certificate } from './checks/certificate.js';
import { claims } from './checks/claims.js';
import { exchangeGroup } from './checks/exchange.js';
import { inputs, target } from './checks/inputs.js';
import { key } from './checks/key.js';
import { keyCopies, storedAuth } from './checks/stored-auth.js';
import { orgGroup } from './checks/org.js';
import { hubGroup } from './checks/hub.js';
import type { CheckGroup } from './context.js';

export const CATALOGUE: { first: CheckGroup[]; then: CheckGroup[] } = {
  first: [target, inputs, key],
  then: [certificate, claims, exchangeGroup, orgGroup, storedAuth, keyCopies, hubGroup],
};
