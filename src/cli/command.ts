/*
 * The base of this plugin's commands: an SfCommand whose --json error output for a user mistake (a coded
 * JwtSetupError) carries its name, code, message and actions, but no stack trace and no inspected cause. Unexpected
 * errors keep both, for bug reports. Its _run() makes the plugin log through sf's own logger first (sf-logger.ts).
 */
import { SfCommand } from '@salesforce/sf-plugins-core';
import { ERROR_CODES } from '../errors.js';
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
      super.logJson(userFacing);
      return;
    }
    super.logJson(json);
  }
}
