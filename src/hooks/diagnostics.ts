/*
 * `sf doctor` integration (the sf-doctor-<plugin> hook, as plugin-auth has): offline, for every JWT authorization the
 * sf CLI holds, run doctor's stored-auth group (the key file its token refresh will read still exists and is a key
 * that refresh can read), and its key-copies group (the key copies this plugin kept that no authorization refers to
 * any more). The same groups, the same words as `sf jwt-setup doctor --target-org`.
 */
import { Lifecycle, Messages, StateAggregator } from '@salesforce/core';
import { keyCopies, storedAuth } from '../doctor/checks/stored-auth.js';
import { readInputs } from '../doctor/context.js';
import { runGroups } from '../doctor/runner.js';
import { unreferencedKeyCopies } from '../store/key-copy.js';
import { shellArg } from '../util/shell.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'diagnostics');

const PLUGIN = 'sf-jwt-setup';

type SfDoctor = {
  addPluginData(pluginName: string, data: Record<string, unknown>): void;
  addSuggestion(suggestion: string): void;
};

export type JwtAuthDiagnosis = {
  username: string;
  keyFile: string;
  status: 'pass' | 'fail';
  /** The stored-auth check's finding and fix, when it did not pass. */
  problem?: string;
};

/** Each registered JWT auth (privateKey, no refresh token), judged by doctor's stored-auth group. */
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
      const inputs = await readInputs({ credentials: {}, targetOrg: username, offline: true, timeoutSeconds: 10 });
      const { checks } = await runGroups([storedAuth], inputs);
      const check = checks.flat().find((c) => c.id === 'stored-auth');
      if (!check || check.status === 'pass') return { username, keyFile, status: 'pass' };
      return { username, keyFile, status: 'fail', problem: [check.detail, check.fix].filter(Boolean).join(' ') };
    }),
  );
}

/** The key copies no authorization refers to, from doctor's key-copies group. */
async function orphanedKeyCopies(): Promise<{ found: boolean; detail: string; fix: string }> {
  const inputs = await readInputs({ credentials: {}, offline: true, timeoutSeconds: 10 });
  const check = (await runGroups([keyCopies], inputs)).checks.flat()[0];
  return { found: check !== undefined, detail: check?.detail ?? '', fix: check?.fix ?? '' };
}

export const hook = async (options: { doctor: SfDoctor }): Promise<void> => {
  const [results, orphans, orphanFiles] = await Promise.all([
    diagnoseJwtAuths(),
    orphanedKeyCopies(),
    unreferencedKeyCopies(),
  ]);
  options.doctor.addPluginData(PLUGIN, {
    jwtAuthorizations: results.map(({ username, keyFile, status }) => ({ username, keyFile, status })),
    unreferencedKeyCopies: orphanFiles,
  });
  await Promise.all(
    results.map(async (r) => {
      await Lifecycle.getInstance().emit('Doctor:diagnostic', {
        testName: messages.getMessage('testName', [r.username]),
        status: r.status,
      });
      if (r.status === 'fail')
        options.doctor.addSuggestion(
          messages.getMessage('suggestion', [r.username, r.problem ?? '', shellArg(r.username)]),
        );
    }),
  );
  if (orphans.found) {
    await Lifecycle.getInstance().emit('Doctor:diagnostic', {
      testName: messages.getMessage('keyCopiesTestName'),
      status: 'warn',
    });
    options.doctor.addSuggestion(messages.getMessage('keyCopiesSuggestion', [orphans.detail, orphans.fix]));
  }
};

export default hook;
