/*
 * Admin HTTP API under /__emulator/ for out-of-process control (demo, benchmarks). No auth, loopback clients only.
 * These requests never see faults or latency and are not logged.
 *
 *   POST   /__emulator/apps              EmulatorApp JSON
 *   POST   /__emulator/users             EmulatorUser JSON
 *   PATCH  /__emulator/users/<username>  Partial<EmulatorUser> JSON
 *   GET    /__emulator/log               RequestLogEntry[]
 *   DELETE /__emulator/log
 *   POST   /__emulator/faults            Fault[] JSON (replaces the current faults; [] clears)
 *   POST   /__emulator/latency           {"ms": N}
 *   POST   /__emulator/expire-tokens
 *   GET    /__emulator/state             org facts, apps (no certificates), users, counters, switches, profiles,
 *                                         permission sets, assignments, metadata names, pending changes, deploys
 *   POST   /__emulator/switches          Partial<OrgSwitches> JSON, e.g. {"propagationDelayMs": 3000, "freezeCertificates": true}
 *   GET    /__emulator/deploys           DeployRecord[]: every deploy received (SOAP or REST), oldest first
 *   POST   /__emulator/permission-sets   {"name": "CI", "label"?: "CI users"}
 *   POST   /__emulator/access-token      {"username": "admin@acme.example"} -> {access_token, instance_url, id, token_type, scope}
 */
import type { EmulatorApp, EmulatorUser, Fault, OrgSwitches, RequestLogEntry } from './config.js';
import type { DeployRecord } from './org.js';
import type { Reply } from './rest.js';

export const ADMIN_PREFIX = '/__emulator/';

export type AdminTarget = {
  readonly requestLog: RequestLogEntry[];
  addApp(app: EmulatorApp): void;
  addUser(user: EmulatorUser): void;
  updateUser(username: string, patch: Partial<EmulatorUser>): void;
  setFaults(faults: Fault[]): void;
  setLatency(ms: number): void;
  expireAllTokens(): void;
  clearLog(): void;
  state(): unknown;
  setSwitches(patch: Partial<OrgSwitches>): void;
  deploys(): DeployRecord[];
  addPermissionSet(name: string, label?: string): void;
  issueAccessToken(username: string): unknown;
};

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

const ok = (body: unknown = { ok: true }): Reply => ({ status: 200, body });
const badRequest = (message: string): Reply => ({ status: 400, body: { error: 'bad_request', message } });

function parseJson(body: string): unknown {
  return body.trim() === '' ? {} : JSON.parse(body);
}

export function handleAdmin(method: string, pathname: string, body: string, target: AdminTarget): Reply {
  const route = pathname.slice(ADMIN_PREFIX.length);
  try {
    if (method === 'POST' && route === 'apps') {
      target.addApp(parseJson(body) as EmulatorApp);
      return ok();
    }
    if (method === 'POST' && route === 'users') {
      target.addUser(parseJson(body) as EmulatorUser);
      return ok();
    }
    if (method === 'PATCH' && route.startsWith('users/')) {
      target.updateUser(decodeURIComponent(route.slice('users/'.length)), parseJson(body) as Partial<EmulatorUser>);
      return ok();
    }
    if (route === 'log' && method === 'GET') return ok(target.requestLog);
    if (route === 'log' && method === 'DELETE') {
      target.clearLog();
      return ok();
    }
    if (method === 'POST' && route === 'faults') {
      target.setFaults(parseJson(body) as Fault[]);
      return ok();
    }
    if (method === 'POST' && route === 'latency') {
      const ms = (parseJson(body) as { ms?: unknown }).ms;
      if (typeof ms !== 'number' || !(ms >= 0)) return badRequest('latency needs {"ms": <non-negative number>}');
      target.setLatency(ms);
      return ok();
    }
    if (method === 'POST' && route === 'expire-tokens') {
      target.expireAllTokens();
      return ok();
    }
    if (method === 'GET' && route === 'state') return ok(target.state());
    if (method === 'POST' && route === 'switches') {
      target.setSwitches(parseJson(body) as Partial<OrgSwitches>);
      return ok();
    }
    if (method === 'GET' && route === 'deploys') return ok(target.deploys());
    if (method === 'POST' && route === 'permission-sets') {
      const { name, label } = parseJson(body) as { name?: unknown; label?: unknown };
      if (typeof name !== 'string' || name === '') return badRequest('permission-sets needs {"name": "<API name>"}');
      target.addPermissionSet(name, typeof label === 'string' ? label : undefined);
      return ok();
    }
    if (method === 'POST' && route === 'access-token') {
      const { username } = parseJson(body) as { username?: unknown };
      if (typeof username !== 'string') return badRequest('access-token needs {"username": "<username>"}');
      return ok(target.issueAccessToken(username));
    }
  } catch (error) {
    return badRequest((error as Error).message);
  }
  return { status: 404, body: { error: 'not_found', message: `no admin route ${method} ${pathname}` } };
}
