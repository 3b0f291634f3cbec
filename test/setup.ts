/*
 * Loaded by mocha before any test file (.mocharc.json "require").
 *
 * Command tests run commands in this process, each in a temporary HOME that is removed afterwards. @salesforce/core's
 * root logger is a process-wide singleton: with its default file transport, a worker thread opens
 * ~/.sf/sf-<date>.log of whichever HOME was current when it started, possibly after that HOME was removed, and the
 * ENOENT surfaces as an uncaught error in an unrelated hook. In this process the logger keeps to memory; the sf CLI
 * that the integration tests spawn keeps its default (test/helpers/env.ts childEnv drops this variable).
 */
import { removeTempDirs } from './helpers/temp.js';

process.env.SF_DISABLE_LOG_FILE = 'true';

/** Root hooks: after the whole run, the temporary folders the tests made are removed. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await removeTempDirs();
  },
};
