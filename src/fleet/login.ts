/*
 * fleet login: `login` for every org of a fleet, in one process. It is the same composition as `login` — the inputs
 * resolved by the same rules, loginWithKey (the exchange with its audience fallback, retries and --wait, then the
 * org's details) and one register() — with three differences of scale:
 *   - each key is loaded and checked once, however many orgs share it (and register keeps one refresh-safe copy of it);
 *   - up to `concurrency` exchanges run at once, each under its own --timeout/--wait clock;
 *   - every grant is registered in one call: one store lock, alias.json and the config written once at the end.
 * An org that fails is reported with the code `login` raises for the same failure and leaves its previous auth,
 * aliases and defaults as they were; the other orgs are not held back by it.
 */
import { resolve } from 'node:path';
import { resolveLoginInputs, type LoginInputs } from '../auth/inputs.js';
import { DEFAULT_TIMEOUT_SECONDS, loginWithKey, type Grant } from '../auth/login-with-key.js';
import { briefError, isJwtSetupError } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import { baseUrlText } from '../jwt/endpoint.js';
import type { Repair } from '../keys/pem.js';
import { loadPrivateKey, type KeyInput, type LoadedKey } from '../keys/private-key.js';
import { register, type RegisterResult } from '../store/register.js';
import type { FleetOrg } from './manifest.js';
import { mapLimit } from './pool.js';
import { outcomeOf, type FleetOrgResult, type FleetOutcome } from './report.js';

export type FleetLoginOptions = {
  concurrency: number;
  /** Per org: keep retrying propagation refusals for this many minutes. */
  waitMinutes?: number;
  /** Per org: the bound on its network work. */
  timeoutSeconds?: number;
  /** The alias of the org to set as the default (target-org) once it is logged in. */
  setDefault?: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: (alias: string, event: ExchangeEvent) => void;
  /** For tests: the interval between propagation retries. */
  waitIntervalMs?: number;
};

export type OrgLoginResult = FleetOrgResult & { status: 'ok' | 'failed' };

/** What the command says once per key (never the key itself). */
export type KeyNote = { source: string; repairs: Repair[]; copiedBecause?: string; privateKeyFile?: string };

export type FleetLoginOutcome = { outcome: FleetOutcome<OrgLoginResult>; keys: KeyNote[] };

type Prepared = { org: FleetOrg; inputs?: LoginInputs; error?: unknown };

function codeOf(error: unknown): { code: string; message: string } {
  if (isJwtSetupError(error)) return { code: error.errorCode, message: error.message };
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : e.name, message: briefError(e) };
}

/** One key per source (file or variable, and its passphrase variable): loaded once, shared by every org using it. */
function keyIdentity(key: KeyInput, passphraseSource: string | undefined): string {
  const where = 'file' in key ? `file:${resolve(key.file)}` : 'env' in key ? `env:${key.env}` : `text:${key.label}`;
  return `${where}|${passphraseSource ?? ''}`;
}

export async function loginFleet(orgs: FleetOrg[], options: FleetLoginOptions): Promise<FleetLoginOutcome> {
  const env = options.env ?? process.env;
  const prepared: Prepared[] = orgs.map((org) => {
    try {
      return { org, inputs: resolveLoginInputs(org.credentials, env) };
    } catch (error) {
      return { org, error };
    }
  });

  const keys = new Map<string, Promise<LoadedKey>>();
  const keyFor = (inputs: LoginInputs): Promise<LoadedKey> => {
    const id = keyIdentity(inputs.key, inputs.passphrase?.source);
    let pending = keys.get(id);
    if (!pending) {
      pending = loadPrivateKey(inputs.key, { passphrase: inputs.passphrase, env });
      pending.catch(() => undefined); // each org that uses it awaits it
      keys.set(id, pending);
    }
    return pending;
  };

  type Exchanged = { grant?: Grant; error?: unknown; durationMs: number };
  const exchanged = await mapLimit(prepared, options.concurrency, async (p): Promise<Exchanged> => {
    const started = Date.now();
    if (!p.inputs) return { error: p.error, durationMs: 0 };
    try {
      const key = await keyFor(p.inputs);
      const grant = await loginWithKey(key, p.inputs, {
        waitMinutes: options.waitMinutes,
        timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        waitIntervalMs: options.waitIntervalMs,
        onEvent: options.onEvent ? (event): void => options.onEvent?.(p.org.spec.alias, event) : undefined,
      });
      return { grant, durationMs: Date.now() - started };
    } catch (error) {
      return { error, durationMs: Date.now() - started };
    }
  });

  // Every grant in one registration: one lock, aliases and the default once, after every auth.
  const toRegister = exchanged.flatMap((e, i) => (e.grant ? [{ index: i, grant: e.grant }] : []));
  const registered = new Map<number, RegisterResult>();
  if (toRegister.length > 0) {
    let results: RegisterResult[];
    try {
      results = await register(
        toRegister.map(({ index, grant }) => ({
          grant,
          alias: prepared[index].org.spec.alias,
          setDefault: options.setDefault !== undefined && options.setDefault === prepared[index].org.spec.alias,
        })),
      );
    } catch (error) {
      // The store could not be locked or written at all (StoreLocked, StoreNotWritable): every org reports it.
      results = toRegister.map(({ grant }) => ({ ok: false, username: grant.username, error: error as Error }));
    }
    results.forEach((r, k) => registered.set(toRegister[k].index, r));
  }

  const results = prepared.map(({ org, inputs }, i): OrgLoginResult => {
    const { grant, error, durationMs } = exchanged[i];
    const base = {
      alias: org.spec.alias,
      username: org.spec.username,
      ...(inputs ? { loginUrl: baseUrlText(inputs.loginUrl) } : {}),
      durationMs,
    };
    const reg = registered.get(i);
    if (grant && reg?.ok) {
      return {
        ...base,
        orgId: grant.token.orgId,
        instanceUrl: grant.token.instanceUrl,
        loginUrl: grant.loginUrl,
        status: 'ok',
      };
    }
    const failure = codeOf(reg && !reg.ok ? reg.error : error);
    return {
      ...base,
      ...(grant ? { orgId: grant.token.orgId, instanceUrl: grant.token.instanceUrl } : {}),
      status: 'failed',
      ...failure,
    };
  });

  const notes = await keyNotes(keys, registered, toRegister);
  return { outcome: outcomeOf(results), keys: notes };
}

/** Per key that loaded: what was repaired on the way in, and where a copy for refresh was kept. */
async function keyNotes(
  keys: Map<string, Promise<LoadedKey>>,
  registered: Map<number, RegisterResult>,
  toRegister: Array<{ index: number; grant: Grant }>,
): Promise<KeyNote[]> {
  const loaded = await Promise.all([...keys.values()].map((k) => k.catch(() => undefined)));
  return loaded
    .filter((k): k is LoadedKey => k !== undefined)
    .map((key) => {
      const first = toRegister.find((t) => t.grant.key === key);
      const reg = first ? registered.get(first.index) : undefined;
      return {
        source: key.sourceLabel,
        repairs: key.repairs,
        ...(reg?.ok && reg.keyCopiedBecause
          ? { copiedBecause: reg.keyCopiedBecause, privateKeyFile: reg.privateKeyFile }
          : {}),
      };
    });
}
