/*
 * One log file per sf process. `sf plugins install` gives this plugin its own copy of @salesforce/core, and each copy
 * that logs starts its own log-file worker thread, which the process waits for at exit: measured on the packed
 * install, that second worker made the exit tail of a login p50 1300 ms against 437 ms for `sf org login jwt`
 * (bench/README.md). So before the plugin logs anything, its copy's root logger becomes sf's: our log lines go to
 * sf's file through sf's one worker. Where sf's copy cannot be loaded, ours keeps to memory rather than start a second
 * file. A linked checkout shares sf's copy already: nothing to do. Since the init hook (src/hooks/host-packages.ts)
 * sends the installed plugin's imports to sf's own @salesforce/core whenever its version satisfies ours, this finds
 * 'same-copy' there too; the sharing below remains for an sf whose copy does not satisfy the plugin's range.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Logger } from '@salesforce/core';

type LoggerStatics = { rootLogger?: unknown };
type CoreModule = { Logger?: { getRoot(): unknown } };

/** Make this plugin's root logger sf's own; `cliRoot` is the running CLI's root folder (oclif's config.root). */
export function shareSfLogger(cliRoot: string): 'shared' | 'same-copy' | 'memory' | 'already' {
  const ours = Logger as unknown as LoggerStatics;
  if (ours.rootLogger !== undefined) return 'already';
  let theirs: CoreModule | undefined;
  try {
    theirs = createRequire(join(cliRoot, 'package.json'))('@salesforce/core') as CoreModule;
  } catch {
    theirs = undefined;
  }
  if (theirs?.Logger === (Logger as unknown)) return 'same-copy';
  const root = theirs?.Logger?.getRoot();
  if (root && typeof (root as { child?: unknown }).child === 'function') {
    ours.rootLogger = root;
    return 'shared';
  }
  // No second log file: this copy's lines stay in memory.
  ours.rootLogger = new Logger({ name: Logger.ROOT_NAME, useMemoryLogger: true });
  return 'memory';
}
