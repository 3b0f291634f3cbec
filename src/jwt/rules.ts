/*
 * The claim and header rules of a Salesforce JWT bearer assertion: one set, used by doctor on the assertion it would
 * send and by `assertion --check` on one built elsewhere. Each rule is a Check with a stable id.
 */
import { Messages } from '@salesforce/core';
import { fail, pass, warn, type Check as AnyCheck } from '../report/check.js';
import type { AssertionCheckId, ClaimCheckId } from '../report/ids.js';
import { MAX_EXPIRES_IN } from './assertion.js';
import { classifyHost, expectedAudiences, PRODUCTION_URL, SANDBOX_URL } from './endpoint.js';

type Check = AnyCheck<AssertionCheckId>;
type ClaimCheck = AnyCheck<ClaimCheckId>;

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'rules');

/** Tolerated clock difference, seconds. */
export const CLOCK_SKEW_SECONDS = 5;

/** A key Salesforce generated. */
const CONSUMER_KEY = /^3MVG[A-Za-z0-9._]{20,}$/;
/** A key set in app metadata (as `sf jwt-setup app` does): 8 to 256 letters and digits. */
const METADATA_CONSUMER_KEY = /^[A-Za-z0-9]{8,256}$/;
const ORG_ID = /^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/;
const SECRET = /^(\d{16,20}|[A-Fa-f0-9]{64})$/;
const COMMON_TLDS = new Set(
  'com org net io co uk de fr edu gov mil us ca au jp in eu ch nl se no dk fi it es be at nz br mx ie pl pt cz il sg hk kr cn ru za ar cl info biz app dev cloud ai tech'.split(
    ' ',
  ),
);

const m = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens.map(String));

/** "acme.com.uat" style: a sandbox suffix after the real domain. */
export function sandboxSuffix(username: string): string | undefined {
  const domain = username.split('@')[1];
  if (!domain) return undefined;
  const labels = domain.toLowerCase().split('.');
  if (labels.length < 3) return undefined;
  const last = labels[labels.length - 1];
  const previous = labels[labels.length - 2];
  return !COMMON_TLDS.has(last) && COMMON_TLDS.has(previous) ? last : undefined;
}

export function checkHeader(header: Record<string, unknown>, signature?: string): Check[] {
  const checks: Check[] = [];
  const alg = header.alg;
  if (alg === 'RS256') checks.push(pass('header.alg', m('alg.title'), m('alg.pass')));
  else if (typeof alg === 'string' && alg.toLowerCase() === 'none')
    checks.push(fail('header.alg', m('alg.title'), m('alg.none'), m('alg.fix')));
  else if (typeof alg === 'string' && /^HS/i.test(alg))
    checks.push(fail('header.alg', m('alg.title'), m('alg.hmac', [alg]), m('alg.fix')));
  else checks.push(fail('header.alg', m('alg.title'), m('alg.other', [String(alg)]), m('alg.fix')));
  const typ = header.typ;
  if (typ !== undefined && typ !== 'JWT')
    checks.push(warn('header.typ', m('typ.title'), m('typ.other', [String(typ)]), m('typ.fix')));
  if (alg === 'RS256' && signature !== undefined) {
    const length = Buffer.from(signature, 'base64url').length;
    if (length < 256)
      checks.push(fail('header.typ-alg', m('mismatch.title'), m('mismatch.short', [length]), m('mismatch.fix')));
  }
  return checks;
}

export type ClaimRuleContext = {
  /** The host the assertion is (or will be) sent to; without it, aud is checked for form only. */
  loginUrl?: URL;
  sandbox?: boolean;
  /** Seconds since the epoch. */
  now?: number;
  /** The audience was set explicitly (--audience): accept it as given. */
  audienceExplicit?: boolean;
};

export function checkClaims(claims: Record<string, unknown>, context: ClaimRuleContext = {}): ClaimCheck[] {
  const checks: ClaimCheck[] = [];
  const wrongCase = Object.keys(claims).filter(
    (k) => ['iss', 'sub', 'aud', 'exp', 'prn'].includes(k.toLowerCase()) && k !== k.toLowerCase(),
  );
  if (wrongCase.length > 0)
    checks.push(fail('claims.case', m('case.title'), m('case.fail', [wrongCase.join(', ')]), m('case.fix')));
  checks.push(
    checkIss(claims.iss),
    checkSub(claims.prn ?? claims.sub, context),
    checkAud(claims.aud, context),
    checkExp(claims.exp, context),
  );
  return checks;
}

export function checkIss(iss: unknown): ClaimCheck {
  const ID: ClaimCheckId = 'claims.iss';
  const title = m('iss.title');
  if (typeof iss !== 'string' || iss.length === 0) return fail(ID, title, m('iss.missing'), m('iss.fix'));
  if (/\s/.test(iss)) return fail(ID, title, m('iss.whitespace'), m('iss.fix'));
  if (ORG_ID.test(iss)) return fail(ID, title, m('iss.orgId', [iss]), m('iss.fix'));
  if (SECRET.test(iss)) return fail(ID, title, m('iss.secret'), m('iss.fix'));
  if (!CONSUMER_KEY.test(iss) && !METADATA_CONSUMER_KEY.test(iss))
    return warn(ID, title, m('iss.unusual', [iss.length]), m('iss.fix'));
  return pass(ID, title, m('iss.pass', [iss.length]));
}

export function checkSub(sub: unknown, context: ClaimRuleContext): ClaimCheck {
  const ID: ClaimCheckId = 'claims.sub';
  const title = m('sub.title');
  if (typeof sub !== 'string' || sub.length === 0) return fail(ID, title, m('sub.missing'), m('sub.fix'));
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(sub)) return fail(ID, title, m('sub.notUsername', [sub]), m('sub.fix'));
  const suffix = sandboxSuffix(sub);
  const kind = context.loginUrl ? classifyHost(context.loginUrl) : undefined;
  if (suffix && (kind === 'production' || kind === 'my-domain') && !context.sandbox) {
    return warn(
      'claims.sub',
      title,
      m('sub.sandboxAtProduction', [sub, suffix, context.loginUrl?.host ?? '']),
      m('sub.sandboxFix'),
    );
  }
  return pass(ID, title, m('sub.pass', [sub]));
}

export function checkAud(aud: unknown, context: ClaimRuleContext): ClaimCheck {
  const ID: ClaimCheckId = 'claims.aud';
  const title = m('aud.title');
  if (Array.isArray(aud)) return checkAudList(aud, context);
  if (aud === undefined || aud === null || aud === '') return fail(ID, title, m('aud.missing'), m('aud.fix'));
  if (typeof aud !== 'string') return fail(ID, title, m('aud.notString', [typeof aud]), m('aud.fix'));
  let url: URL;
  try {
    url = new URL(aud);
  } catch {
    return fail(ID, title, m('aud.notUrl', [aud]), m('aud.fix'));
  }
  // Salesforce compares aud as a string: https://login.salesforce.com/ is refused as "audience is invalid".
  if (aud.endsWith('/') && url.pathname === '/')
    return fail(ID, title, m('aud.slash', [aud]), m('aud.slashFix', [aud.replace(/\/+$/, '')]));
  if (context.audienceExplicit) return pass(ID, title, m('aud.explicit', [aud]));
  if (!context.loginUrl) {
    return [PRODUCTION_URL, SANDBOX_URL].includes(aud) || url.protocol === 'https:'
      ? pass(ID, title, m('aud.pass', [aud]))
      : warn(ID, title, m('aud.insecure', [aud]), m('aud.fix'));
  }
  const expected = expectedAudiences(context.loginUrl, context.sandbox);
  if (expected.includes(aud.replace(/\/+$/, ''))) return pass(ID, title, m('aud.fits', [aud, context.loginUrl.host]));
  if (aud === SANDBOX_URL && classifyHost(context.loginUrl) === 'production') {
    return fail(ID, title, m('aud.sandboxAtProduction'), m('aud.fix'));
  }
  return warn(
    'claims.aud',
    title,
    m('aud.unexpected', [aud, context.loginUrl.host, expected.join(' or ')]),
    m('aud.fix'),
  );
}

/**
 * aud as a JSON array, as RFC 7519 allows and some JWT libraries write: Salesforce documents a single string, so at
 * best a warning (naming the string to send); a failure when no entry would pass on its own.
 */
function checkAudList(list: unknown[], context: ClaimRuleContext): ClaimCheck {
  const ID: ClaimCheckId = 'claims.aud';
  const title = m('aud.title');
  const entries = list.filter((a): a is string => typeof a === 'string' && a.length > 0);
  if (entries.length === 0) return fail(ID, title, m('aud.emptyList'), m('aud.fix'));
  const verdicts = entries.map((entry) => ({ entry, check: checkAud(entry, context) }));
  const best = verdicts.find((v) => v.check.status === 'pass') ?? verdicts.find((v) => v.check.status === 'warn');
  const shown = JSON.stringify(list);
  if (!best)
    return fail(
      ID,
      title,
      `${m('aud.list', [shown])} ${verdicts[0].check.detail}`,
      verdicts[0].check.fix ?? m('aud.fix'),
    );
  return warn(ID, title, m('aud.list', [shown]), m('aud.listFix', [best.entry]));
}

export function checkExp(exp: unknown, context: ClaimRuleContext): ClaimCheck {
  const ID: ClaimCheckId = 'claims.exp';
  const title = m('exp.title');
  const now = context.now ?? Math.floor(Date.now() / 1000);
  if (exp === undefined) return fail(ID, title, m('exp.missing'), m('exp.fix'));
  if (typeof exp !== 'number' || !Number.isFinite(exp))
    return fail(ID, title, m('exp.notNumber', [JSON.stringify(exp) ?? 'undefined']), m('exp.fix'));
  if (exp > 1e11)
    return fail(ID, title, m('exp.milliseconds', [exp]), m('exp.millisecondsFix', [Math.floor(exp / 1000)]));
  if (!Number.isInteger(exp)) return warn(ID, title, m('exp.fraction', [exp]), m('exp.fix'));
  if (exp < now - CLOCK_SKEW_SECONDS)
    return fail(ID, title, m('exp.past', [new Date(exp * 1000).toISOString(), now - exp]), m('exp.pastFix'));
  if (exp > now + MAX_EXPIRES_IN + CLOCK_SKEW_SECONDS) {
    return fail(ID, title, m('exp.tooFar', [exp - now]), m('exp.fix'));
  }
  return pass(ID, title, m('exp.pass', [new Date(exp * 1000).toISOString(), exp - now]));
}
