/*
 * The exchange's refusal, explained: Salesforce's error, what it means, and its likely causes ranked by what the
 * other checks found (a sandbox user at a production host, a certificate that is not this key's, a clock off, every
 * audience refused). Runs once every group has reported.
 */
import { fail, type Check } from '../report/check.js';
import { isPropagationRefusal, type JwtSetupError } from '../errors.js';
import { classifyHost } from '../jwt/endpoint.js';
import { sandboxSuffix } from '../jwt/rules.js';
import { certificateMatchesKey } from '../keys/certificate.js';
import type { DoctorInputs } from './context.js';
import type { Facts } from './group.js';
import { m } from './messages.js';

/** How the login errors' advice names this command; doctor leaves those bullets out of its own diagnosis. */
const DOCTOR_COMMAND = 'sf jwt-setup doctor';

/** The checks made before the exchange, from this machine alone. */
const LOCAL = /^(key|certificate|claims|endpoint)\./;

/** Causes the facts point to, most likely first. */
function rankedCauses(inputs: DoctorInputs, facts: Partial<Facts>, error: JwtSetupError, checks: Check[]): string[] {
  const code = error.errorCode;
  const username = inputs.username.value ?? '';
  const loginUrl = inputs.loginUrl.value!.url;
  const first: string[] = [];
  const production = ['production', 'my-domain'].includes(classifyHost(loginUrl));
  if (sandboxSuffix(username) && production && !inputs.credentials.sandbox) {
    if (code === 'UserNotApproved' || code === 'InvalidAssertion') first.push(m('cause.sandboxUser', [username]));
  }
  // Facts from the org outrank inferences: what the org.* checks found comes first, and the guesses they settle go.
  const orgFacts = checks.filter((c) => c.id.startsWith('org.') && c.status === 'fail');
  for (const fact of orgFacts) first.push(`${m('exchange.orgFacts')} ${fact.detail} ${fact.fix ?? ''}`.trim());
  if (facts.org && orgFacts.length > 0) return [...first, ...localCauses(facts, checks, code, loginUrl)];
  first.push(...localCauses(facts, checks, code, loginUrl));
  if (code === 'InvalidAssertion') {
    if (!facts.certificate) first.push(m('cause.noCertificate'));
    else if (facts.key && certificateMatchesKey(facts.certificate, facts.key.publicKey)) {
      first.push(m('cause.otherCertificateInApp'));
    } else first.push(m('cause.keyCertificateMismatch'));
  }
  // The login error's own advice, less its "run doctor" bullets: this is doctor.
  const advice = (error.actions ?? []).filter((a) => !a.includes(DOCTOR_COMMAND));
  const ambiguous = ['UserNotApproved', 'ClientIdentifierInvalid', 'InvalidAssertion', 'AppNotInstalled'];
  if (ambiguous.includes(code)) advice.push(m('cause.tryAdminOrg'));
  return [...first, ...advice];
}

/** Causes this machine's own checks point to (the org cannot rule these out). */
function localCauses(facts: Partial<Facts>, checks: Check[], code: string, loginUrl: URL): string[] {
  const causes: string[] = [];
  const clock = checks.find((c) => c.id === 'endpoint.clock');
  if (code === 'AssertionExpired' && clock && clock.status !== 'pass') causes.push(m('cause.clock'));
  const tried = [...new Set((facts.exchange?.facts.attempts ?? []).map((a) => a.audience))];
  if ((code === 'AudienceInvalid' || code === 'AppNotInstalled') && tried.length > 1) {
    causes.push(m('cause.audiencesTried', [loginUrl.host, tried.join(', ')]));
  }
  return causes;
}

/** The exchange check, once every group has run: the refusal with its causes ranked. */
export function diagnoseExchange(
  inputs: DoctorInputs,
  facts: Partial<Facts>,
  error: JwtSetupError,
  checks: Check[],
): Check<'exchange'> {
  const causes = rankedCauses(inputs, facts, error, checks);
  const localFindings = checks.some((c) => LOCAL.test(c.id) && (c.status === 'fail' || c.status === 'warn'));
  const meaning = isPropagationRefusal(error.errorCode)
    ? m('exchange.meaningPropagation')
    : m(localFindings ? 'exchange.meaning' : 'exchange.meaningNoLocal');
  const fix = causes.map((a, i) => `${i + 1}. ${a}`).join(' ');
  return fail('exchange', m('exchange.title'), `${error.message} ${meaning}`.trim(), fix);
}
