/*
 * The sf CLI's store: the registered auth's key file, read as the sf CLI's token refresh reads it, and the key copies
 * this plugin kept that no auth refers to any more.
 */
import { failFromError, fail, pass, warn, type Check } from '../../checks/check.js';
import { readStoredAuth, type StoredAuth } from '../../store/auth-store.js';
import { sfKeyFileProblem, unreferencedKeyCopies } from '../../store/key-copy.js';
import { attemptAsync, type CheckGroup, type DoctorContext } from '../context.js';
import { m } from '../messages.js';

async function keyFileCheck(auth: StoredAuth, context: DoctorContext): Promise<Check> {
  const title = m('stored.title');
  const { privateKey, username } = auth;
  if (!auth.isJwt || !privateKey)
    return warn('stored-auth', title, m('stored.notJwt', [username]), m('stored.notJwtFix'));
  // Read the way the sf CLI's refresh reads it: the file as UTF-8 text, a plain PEM key.
  const problem = await sfKeyFileProblem(privateKey);
  if (problem)
    return fail('stored-auth', title, m('stored.keyBroken', [username, privateKey, problem]), m('stored.reloginFix'));
  if (context.key && (await sfKeyFileProblem(privateKey, context.key.publicKey))) {
    return warn('stored-auth', title, m('stored.otherKey', [username, privateKey]), m('stored.reloginFix'));
  }
  return pass('stored-auth', title, m('stored.pass', [username, privateKey]));
}

/** The stored auth of this username: with --target-org, or when the username is already registered. */
export const storedAuth: CheckGroup = {
  name: 'stored-auth',
  needs: [],
  skipped: () => [],
  async run(context) {
    const fromTarget = context.stored?.value;
    if (fromTarget) return [await keyFileCheck(fromTarget, context)];
    if (context.options.targetOrg !== undefined || !context.username.value) return [];
    const registered = await attemptAsync(() => readStoredAuth(context.username.value!));
    if (registered.error) return [failFromError('stored-auth', m('stored.title'), registered.error)];
    return registered.value ? [await keyFileCheck(registered.value, context)] : [];
  },
};

export const keyCopies: CheckGroup = {
  name: 'key-copies',
  needs: [],
  skipped: () => [],
  async run() {
    const orphans = await unreferencedKeyCopies();
    if (orphans.length === 0) return [];
    return [
      warn(
        'stored-auth.key-copies',
        m('keyCopies.title'),
        m('keyCopies.orphans', [orphans.length, orphans.join(', ')]),
        m('keyCopies.fix', [orphans.map((f) => `'${f}'`).join(' ')]),
      ),
    ];
  },
};
