/*
 * The one test helper module: isolated HOMEs, the one list of environment variables, running commands (in process,
 * bin/run.js, the real sf), coded-error assertions, store snapshots, secret-leak detection and emulator shortcuts.
 */
import { doctorOptionsFromFlags, type DoctorFlagValues } from '../../src/cli/doctor-options.js';
import { runDoctor, type DoctorReport } from '../../src/doctor/runner.js';

export { tempDir, removeTempDirs } from './temp.js';
export * from './env.js';
export * from './home.js';
export * from './run.js';
export * from './assert.js';
export * from './store.js';
export * from './secrets.js';
export * from './emulator.js';
export * from './tools.js';
export * from './packed.js';

/** doctor as its command runs it, from flag values: for tests that check the runner without the command around it. */
export async function runDoctorWithFlags(
  flags: DoctorFlagValues,
  options: { timeoutSeconds: number; env?: NodeJS.ProcessEnv },
): Promise<DoctorReport> {
  return runDoctor(doctorOptionsFromFlags(flags, options));
}
