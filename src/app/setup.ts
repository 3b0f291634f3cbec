/*
 * keygen --app: a key, its certificate and the app that holds it, in one step. Both are planned (every input checked,
 * existing files looked for) before anything is written, so a bad app name leaves no key behind either.
 */
import { prepareKeygen, writeKeygenFiles, type KeygenOptions, type KeygenOutcome } from '../keys/keygen.js';
import { planApp, writeAppFiles, type AppOptions, type AppPlan } from './generate.js';

export async function keygenWithApp(
  keygenOptions: KeygenOptions,
  appOptions: Omit<AppOptions, 'certificateFile' | 'certificate'>,
): Promise<{ keygen: KeygenOutcome; app: AppPlan }> {
  const prepared = await prepareKeygen(keygenOptions);
  const plan = await planApp({
    ...appOptions,
    certificateFile: prepared.outcome.certificateFile,
    certificate: prepared.certificate,
  });
  await writeKeygenFiles(prepared, keygenOptions);
  await writeAppFiles(plan, { force: appOptions.force ?? false });
  return { keygen: prepared.outcome, app: plan };
}
