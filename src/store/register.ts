/*
 * Registration: logins that worked (auth/login-with-key.ts) written into the sf CLI's store, any number at once, under
 * one store lock. Each auth is written the way `sf` reads a JWT auth, with a key file its token refresh can read (the
 * key's own file, else one normalised copy per key, shared by every login of that key). Then aliases and defaults,
 * once, after every auth. One registration that fails leaves its username's previous auth as it was and does not
 * stop the others; a failure of the aliases and defaults puts every auth of the call back, with alias.json and the
 * config files byte for byte.
 */
import type { Grant } from '../auth/login-with-key.js';
import type { LoadedKey } from '../keys/private-key.js';
import {
  applyAliasesAndDefaults,
  keepAuth,
  recoverOrphanedBackups,
  undoAuth,
  writeAuth,
  type AliasAndDefaults,
  type ScratchFields,
  type WrittenAuth,
} from './auth-store.js';
import { keyFileForRefresh, removeKeyCopyIfUnreferenced, type KeyForRefresh } from './key-copy.js';
import { withStoreLock } from './lock.js';

/** A grant to register; `scratch` marks it a scratch org of a Dev Hub (login --dev-hub). */
export type Registration = AliasAndDefaults & { grant: Grant; scratch?: ScratchFields };

export type Registered = {
  ok: true;
  username: string;
  /** The key path the auth refers to: the key's own file, or a normalised copy. */
  privateKeyFile: string;
  /** Why a copy is registered instead of the key's own file. */
  keyCopiedBecause?: KeyForRefresh['copiedBecause'];
};

export type NotRegistered = { ok: false; username: string; error: Error };

export type RegisterResult = Registered | NotRegistered;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** Register every grant; the results are in the order of `registrations`. */
export async function register(registrations: Registration[]): Promise<RegisterResult[]> {
  return withStoreLock(async () => {
    await recoverOrphanedBackups();
    // One refresh-safe key file per key, however many logins share it.
    const keyFiles = new Map<LoadedKey, Promise<KeyForRefresh>>();
    const keyFileOf = (key: LoadedKey): Promise<KeyForRefresh> => {
      let pending = keyFiles.get(key);
      if (!pending) {
        pending = keyFileForRefresh(key);
        keyFiles.set(key, pending);
      }
      return pending;
    };

    const results: RegisterResult[] = [];
    const written: Array<{ written: WrittenAuth; settings: AliasAndDefaults; index: number }> = [];
    // One writer at a time: AuthInfo reads and writes shared state (the global state aggregator).
    for (const [index, registration] of registrations.entries()) {
      const { grant } = registration;
      try {
        // eslint-disable-next-line no-await-in-loop
        const kept = await keyFileOf(grant.key);
        // eslint-disable-next-line no-await-in-loop
        const auth = await writeAuth({
          username: grant.username,
          grant: grant.token,
          loginUrl: grant.loginUrl,
          clientId: grant.clientId,
          privateKeyFile: kept.file,
          details: grant.details,
          ...(registration.scratch ? { scratch: registration.scratch } : {}),
        });
        written.push({ written: auth, settings: registration, index });
        results.push({
          ok: true,
          username: grant.username,
          privateKeyFile: kept.file,
          ...(kept.copiedBecause ? { keyCopiedBecause: kept.copiedBecause } : {}),
        });
      } catch (error) {
        results.push({ ok: false, username: grant.username, error: asError(error) });
      }
    }

    try {
      await applyAliasesAndDefaults(written);
      await Promise.all(written.map((w) => keepAuth(w.written)));
    } catch (error) {
      for (const w of written) {
        // eslint-disable-next-line no-await-in-loop
        await undoAuth(w.written);
        results[w.index] = { ok: false, username: w.written.username, error: asError(error) };
      }
    }

    // A key copy made for logins none of which was registered goes again (unless another auth refers to it).
    const copies = await Promise.all([...keyFiles.values()].map((p) => p.catch(() => undefined)));
    await Promise.all(
      copies.filter((c): c is KeyForRefresh => c?.created === true).map((c) => removeKeyCopyIfUnreferenced(c.file)),
    );
    return results;
  });
}

/** One login registered: where its auth's key is, or its error thrown (login, bootstrap, login --dev-hub). */
export async function registerOne(registration: Registration): Promise<Registered> {
  const [result] = await register([registration]);
  if (!result.ok) throw result.error;
  return result;
}
