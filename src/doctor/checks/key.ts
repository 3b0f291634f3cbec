/*
 * The private key: found, decoded (and what was repaired), big enough, private to its owner, and not in a temporary
 * folder that the sf CLI's later token refreshes will miss.
 */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve, sep } from 'node:path';
import { fail, failFromError, pass, warn, type Check } from '../../report/check.js';
import { resolveKeyInput, resolvePassphrase } from '../../auth/inputs.js';
import { isJwtSetupError } from '../../errors.js';
import { keyExposedByDebug } from '../../keys/exposure.js';
import { manglings } from '../../keys/pem.js';
import { loadPrivateKey, MIN_RSA_BITS, type KeyInput, type LoadedKey } from '../../keys/private-key.js';
import { attempt, type DoctorInputs } from '../context.js';
import { defineGroup } from '../group.js';
import { m } from '../messages.js';

export const KEY_CHECK_IDS = [
  'key.source',
  'key.passphrase',
  'key.decode',
  'key.size',
  'key.permissions',
  'key.location',
] as const;
export type KeyCheckId = (typeof KEY_CHECK_IDS)[number];
type KeyCheck = Check<KeyCheckId>;

const SOURCE_ERRORS = new Set(['KeyFileNotFound', 'KeyEnvUnset', 'KeyFileUnreadable', 'KeyEnvLooksLikePath']);

async function load(inputs: DoctorInputs, checks: KeyCheck[]): Promise<LoadedKey | undefined> {
  const { credentials, env } = inputs;
  const source = attempt<KeyInput>(() => resolveKeyInput(credentials, env));
  if (!source.value) {
    if (source.error) checks.push(failFromError('key.source', m('key.sourceTitle'), source.error));
    return undefined;
  }
  const passphrase = attempt(() => resolvePassphrase(credentials, env));
  if (passphrase.error) checks.push(failFromError('key.passphrase', m('key.passphraseTitle'), passphrase.error));
  try {
    return await loadPrivateKey(source.value, { passphrase: passphrase.value, minBits: 0, env });
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    const id = SOURCE_ERRORS.has(error.errorCode) ? 'key.source' : 'key.decode';
    checks.push(failFromError(id, id === 'key.source' ? m('key.sourceTitle') : m('key.decodeTitle'), error));
    return undefined;
  }
}

async function fileChecks(file: string, env: NodeJS.ProcessEnv): Promise<KeyCheck[]> {
  const mode = (await stat(file)).mode & 0o777;
  const temporary = [tmpdir(), '/tmp', '/var/tmp', env.RUNNER_TEMP, env.AGENT_TEMPDIRECTORY]
    .filter((d): d is string => Boolean(d))
    .some((d) => resolve(file).startsWith(resolve(d) + sep));
  return [
    (mode & 0o077) === 0
      ? pass('key.permissions', m('key.permissionsTitle'), m('key.permissionsPass', [mode.toString(8)]))
      : warn(
          'key.permissions',
          m('key.permissionsTitle'),
          m('key.permissionsWarn', [mode.toString(8)]),
          m('key.permissionsFix', [file]),
        ),
    temporary
      ? warn('key.location', m('key.locationTitle'), m('key.locationWarn', [file]), m('key.locationFix'))
      : pass('key.location', m('key.locationTitle'), m('key.locationPass')),
  ];
}

export const key = defineGroup({
  name: 'key',
  ids: KEY_CHECK_IDS,
  requires: [],
  needs: [],
  provides: ['key'],
  skipped: () => [],
  async run(inputs) {
    const checks: KeyCheck[] = [];
    const loaded = await load(inputs, checks);
    if (!loaded) return { checks };
    const input = resolveKeyInput(inputs.credentials, inputs.env);
    checks.push(
      keyExposedByDebug(input, inputs.env)
        ? warn(
            'key.source',
            m('key.sourceTitle'),
            m('key.debugExposed', [loaded.sourceLabel, input.env]),
            m('key.debugFix'),
          )
        : pass('key.source', m('key.sourceTitle'), loaded.sourceLabel),
    );
    const form = `${loaded.format}${loaded.encrypted ? ', ' + m('key.encrypted') : ''}`;
    const damage = manglings(loaded.repairs);
    checks.push(
      damage.length > 0
        ? warn('key.decode', m('key.decodeTitle'), m('key.repaired', [form, damage.join(', ')]), m('key.repairedFix'))
        : pass('key.decode', m('key.decodeTitle'), m('key.decoded', [form])),
      loaded.bits >= MIN_RSA_BITS
        ? pass('key.size', m('key.sizeTitle'), m('key.sizePass', [loaded.bits]))
        : fail('key.size', m('key.sizeTitle'), m('key.sizeFail', [loaded.bits]), m('key.sizeFix')),
    );
    if (loaded.file) checks.push(...(await fileChecks(loaded.file, inputs.env)));
    return { checks, facts: { key: loaded } };
  },
});
