/*
 * The one test helper module: isolated HOMEs, the one list of environment variables, running commands (in process,
 * bin/run.js, the real sf), coded-error assertions, store snapshots, secret-leak detection and emulator shortcuts.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { doctorOptionsFromFlags, type DoctorFlagValues } from '../../src/cli/doctor-options.js';
import { runDoctor, type DoctorReport } from '../../src/doctor/runner.js';

export { tempDir, removeTempDirs } from './temp.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN_DIR = join(ROOT, 'node_modules', '.bin');

/** doctor as its command runs it, from flag values: for tests that check the runner without the command around it. */
export async function runDoctorWithFlags(
  flags: DoctorFlagValues,
  options: { timeoutSeconds: number; env?: NodeJS.ProcessEnv },
): Promise<DoctorReport> {
  return runDoctor(doctorOptionsFromFlags(flags, options));
}
