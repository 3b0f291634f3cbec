/*
 * The sf CLI's store: the registered auth's key file, read as the sf CLI's token refresh reads it, and the key copies
 * this plugin kept that no auth refers to any more. The `sf doctor` hook (src/hooks/diagnostics.ts) runs these two
 * groups for every JWT auth the sf CLI holds.
 */
import { failFromError, fail, pass, warn, type Check } from '../../report/check.js';
import type { LoadedKey } from '../../keys/private-key.js';
import { readStoredAuth, type StoredAuth } from '../../store/auth-store.js';
import { sfKeyFileProblem, unreferencedKeyCopies } from '../../store/key-copy.js';
import { attemptAsync } from '../context.js';
import { defineGroup } from '../group.js';
import { m } from '../messages.js';

export const STORED_AUTH_CHECK_IDS = ['stored-auth'] as const;
export type StoredAuthCheckId = (typeof STORED_AUTH_CHECK_IDS)[number];

export const KEY_COPIES_CHECK_IDS = ['stored-auth.key-copies'] as const;
export type KeyCopiesCheckId = (typeof KEY_COPIES_CHECK_IDS)[number];

async function keyFileCheck(auth: StoredAuth, key: LoadedKey | undefined): Promise<Check<StoredAuthCheckId>> {
  const title = m('stored.title');
  const { privateKey, username } = auth;
  if (!auth.isJwt || !privateKey)
    return warn('stored-auth', title, m('stored.notJwt', [username]), m('stored.notJwtFix'));
  // Read the way the sf CLI's refresh reads it: the file as UTF-8 text, a plain PEM key.
  const problem = await sfKeyFileProblem(privateKey);
  if (problem)
    return fail('stored-auth', title, m('stored.keyBroken', [username, privateKey, problem]), m('stored.reloginFix'));
  if (key && (await sfKeyFileProblem(privateKey, key.publicKey))) {
    return warn('stored-auth', title, m('stored.otherKey', [username, privateKey]), m('stored.reloginFix'));
  }
  return pass('stored-auth', title, m('stored.pass', [username, privateKey]));
}

/** The stored auth of this username: with --target-org, or when the username is already registered. */
export const storedAuth = defineGroup({
  name: 'stored-auth',
  ids: STORED_AUTH_CHECK_IDS,
  requires: [],
  needs: ['key'],
  provides: [],
  skipped: () => [],
  async run(inputs, needed) {
    const fromTarget = inputs.stored?.value;
    if (fromTarget) return { checks: [await keyFileCheck(fromTarget, await needed.key)] };
    if (inputs.options.targetOrg !== undefined || !inputs.username.value) return { checks: [] };
    const username = inputs.username.value;
    const registered = await attemptAsync(() => readStoredAuth(username));
    if (registered.error) return { checks: [failFromError('stored-auth', m('stored.title'), registered.error)] };
    return { checks: registered.value ? [await keyFileCheck(registered.value, await needed.key)] : [] };
  },
});

export const keyCopies = defineGroup({
  name: 'key-copies',
  ids: KEY_COPIES_CHECK_IDS,
  requires: [],
  needs: [],
  provides: [],
  skipped: () => [],
  async run() {
    const orphans = await unreferencedKeyCopies();
    if (orphans.length === 0) return { checks: [] };
    return {
      checks: [
        warn(
          'stored-auth.key-copies',
          m('keyCopies.title'),
          m('keyCopies.orphans', [orphans.length, orphans.join(', ')]),
          m('keyCopies.fix', [orphans.map((f) => `'${f}'`).join(' ')]),
        ),
      ],
    };
  },
});
