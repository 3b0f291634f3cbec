/*
 * `sf doctor` integration (the sf-doctor-<plugin> hook, as plugin-auth has): offline, for every JWT authorization the
 * sf CLI holds, check that the key file its token refresh will read still exists and decodes.
 */
import { Lifecycle, Messages, StateAggregator } from '@salesforce/core';
import { isJwtSetupError } from '../errors.js';
import { loadPrivateKey } from '../keys/private-key.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'diagnostics');

const PLUGIN = 'sf-jwt-setup';

type SfDoctor = {
  addPluginData(pluginName: string, data: Record<string, unknown>): void;
  addSuggestion(suggestion: string): void;
};

export type JwtAuthDiagnosis = { username: string; keyFile: string; status: 'pass' | 'fail'; problem?: string };

/** Each registered JWT auth (privateKey, no refresh token) and whether its key file is usable. */
export async function diagnoseJwtAuths(): Promise<JwtAuthDiagnosis[]> {
  const state = await StateAggregator.getInstance();
  const auths = await state.orgs.readAll(false);
  const jwtAuths = auths.filter(
    (a) => typeof a.privateKey === 'string' && !a.refreshToken && typeof a.username === 'string',
  );
  return Promise.all(
    jwtAuths.map(async (auth): Promise<JwtAuthDiagnosis> => {
      const username = auth.username as string;
      const keyFile = auth.privateKey as string;
      try {
        await loadPrivateKey({ file: keyFile });
        return { username, keyFile, status: 'pass' };
      } catch (error) {
        if (!isJwtSetupError(error)) throw error;
        return { username, keyFile, status: 'fail', problem: error.message };
      }
    }),
  );
}

export const hook = async (options: { doctor: SfDoctor }): Promise<void> => {
  const results = await diagnoseJwtAuths();
  options.doctor.addPluginData(PLUGIN, {
    jwtAuthorizations: results.map(({ username, keyFile, status }) => ({ username, keyFile, status })),
  });
  await Promise.all(
    results.map(async (r) => {
      await Lifecycle.getInstance().emit('Doctor:diagnostic', {
        testName: messages.getMessage('testName', [r.username]),
        status: r.status,
      });
      if (r.status === 'fail')
        options.doctor.addSuggestion(messages.getMessage('suggestion', [r.username, r.problem ?? '', r.username]));
    }),
  );
};

export default hook;
