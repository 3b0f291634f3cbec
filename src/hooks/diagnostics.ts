/*
 * `sf doctor` integration (the sf-doctor-<plugin> hook, as plugin-auth has): offline, for every JWT authorization the
 * sf CLI holds, check that the key file its token refresh will read still exists and is a key that refresh can read;
 * and name the key copies this plugin kept that no authorization refers to any more.
 */
import { Lifecycle, Messages, StateAggregator } from '@salesforce/core';
import { sfKeyFileProblem, unreferencedKeyCopies } from '../store/key-copy.js';

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
      // Read as the sf CLI's refresh reads it (UTF-8 text, plain PEM), not as this plugin's more lenient loader does.
      const problem = await sfKeyFileProblem(keyFile);
      return problem ? { username, keyFile, status: 'fail', problem } : { username, keyFile, status: 'pass' };
    }),
  );
}

export const hook = async (options: { doctor: SfDoctor }): Promise<void> => {
  const [results, orphans] = await Promise.all([diagnoseJwtAuths(), unreferencedKeyCopies()]);
  options.doctor.addPluginData(PLUGIN, {
    jwtAuthorizations: results.map(({ username, keyFile, status }) => ({ username, keyFile, status })),
    unreferencedKeyCopies: orphans,
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
  if (orphans.length > 0) {
    await Lifecycle.getInstance().emit('Doctor:diagnostic', {
      testName: messages.getMessage('keyCopiesTestName'),
      status: 'warn',
    });
    options.doctor.addSuggestion(
      messages.getMessage('keyCopiesSuggestion', [orphans.length, orphans.map((f) => `'${f}'`).join(' ')]),
    );
  }
};

export default hook;
