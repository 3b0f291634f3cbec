/*
 * The base of this plugin's commands: an SfCommand whose --json error output for a user mistake (a coded
 * JwtSetupError) carries its name, code, message and actions, but no stack trace and no inspected cause. Unexpected
 * errors keep both, for bug reports. A coded error exits 1 whatever it wraps: sf-plugins-core reads a TypeError (undici's
 * "fetch failed") or a gack anywhere down the cause chain as exit 10 or 20, and the deploy library's errors carry
 * both. Its _run() makes the plugin log through sf's own logger first (sf-logger.ts).
 */
import { SfError } from '@salesforce/core';
import { SfCommand } from '@salesforce/sf-plugins-core';
import { ERROR_CODES, EXIT_FAILURE, isJwtSetupError } from '../errors.js';
import { shareSfLogger } from './sf-logger.js';

const CODES = new Set<string>(ERROR_CODES);

function isCodedErrorJson(json: unknown): json is Record<string, unknown> & { code: string } {
  return (
    typeof json === 'object' &&
    json !== null &&
    typeof (json as { code?: unknown }).code === 'string' &&
    CODES.has((json as { code: string }).code) &&
    'stack' in json
  );
}

export abstract class JwtSetupCommand<T> extends SfCommand<T> {
  /** As SfCommand: every command takes --json (stated here so that oclif's manifest records it). */
  public static readonly enableJsonFlag = true;

  // oclif's own name: _run runs before init(), and SfCommand's reads the config (and so logs) first thing.
  // eslint-disable-next-line no-underscore-dangle
  public async _run<R>(): Promise<R> {
    // One log file, sf's, for the whole process; see sf-logger.ts.
    shareSfLogger(this.config.root);
    // eslint-disable-next-line no-underscore-dangle
    return super._run<R>();
  }

  public logJson(json: unknown): void {
    if (isCodedErrorJson(json)) {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { stack, cause, ...userFacing } = json;
      super.logJson({ ...userFacing, exitCode: EXIT_FAILURE, status: EXIT_FAILURE });
      return;
    }
    super.logJson(json);
  }

  public async catch(error: Parameters<SfCommand<T>['catch']>[0]): Promise<never> {
    try {
      return await super.catch(error);
    } catch (thrown) {
      if (isJwtSetupError(error) && thrown instanceof SfError) {
        thrown.exitCode = EXIT_FAILURE;
        (thrown as SfError & { status?: number }).status = EXIT_FAILURE;
        (thrown as SfError & { oclif?: { exit: number } }).oclif = { exit: EXIT_FAILURE };
        process.exitCode = EXIT_FAILURE;
      }
      throw thrown;
    }
  }
}
