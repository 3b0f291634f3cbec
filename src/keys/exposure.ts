/*
 * The sf CLI prints every SF_* and SFDX_* variable in its DEBUG start-up output, before any plugin runs: a key held in
 * one (SF_JWT_KEY, the documented default) is then in the log.
 */
import type { KeyInput } from './private-key.js';

export function keyExposedByDebug(key: KeyInput, env: NodeJS.ProcessEnv = process.env): key is { env: string } {
  return 'env' in key && Boolean(env.DEBUG) && /^(SF|SFDX)_/i.test(key.env);
}
