/*
 * Preloaded into a measured child with `node --require <this file>`: when the process exits, writes its own
 * rusage (user + system CPU, peak resident set) as JSON to the file named by BENCH_RUSAGE_FILE.
 * Written synchronously in the 'exit' handler, so it also runs when the CLI calls process.exit().
 * Also counts the worker threads the process started (each @salesforce/core copy's log file is one: a pino
 * thread-stream worker that the process waits for at exit).
 * With BENCH_MODULES=1 it also records the modules the main thread loaded (module.registerHooks' load hook: import
 * and require alike), their source bytes, and the folder of each package they came from, so that a package loaded
 * from two folders (a second copy) shows. Off by default: the hook costs a little on every module.
 */
'use strict';
const { writeFileSync } = require('node:fs');

const target = process.env.BENCH_RUSAGE_FILE;
if (target) {
  // Only the process we were preloaded into reports; children it may spawn do not inherit --require.
  delete process.env.BENCH_RUSAGE_FILE;
  const workerThreads = require('node:worker_threads');
  const workers = [];
  const Original = workerThreads.Worker;
  workerThreads.Worker = class CountedWorker extends Original {
    constructor(file, options) {
      workers.push(String(file));
      super(file, options);
    }
  };
  const modules = { count: 0, bytes: 0, packages: {} };
  const nodeModule = require('node:module');
  if (process.env.BENCH_MODULES === '1' && typeof nodeModule.registerHooks === 'function') {
    nodeModule.registerHooks({
      load(url, context, next) {
        const result = next(url, context);
        if (url.startsWith('file:')) {
          const src = result.source;
          modules.count += 1;
          modules.bytes += src == null ? 0 : typeof src === 'string' ? Buffer.byteLength(src) : src.byteLength;
          const at = url.lastIndexOf('/node_modules/');
          if (at >= 0) {
            const parts = url.slice(at + 14).split('/');
            const dir = url.slice(0, at + 14) + (parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
            modules.packages[dir] = (modules.packages[dir] ?? 0) + 1;
          }
        }
        return result;
      },
    });
  }
  process.on('exit', () => {
    const u = process.resourceUsage();
    try {
      writeFileSync(
        target,
        JSON.stringify({
          userMs: u.userCPUTime / 1000,
          sysMs: u.systemCPUTime / 1000,
          maxRssKb: u.maxRSS,
          pid: process.pid,
          workers,
          ...(process.env.BENCH_MODULES === '1' ? { modules } : {}),
        }),
      );
    } catch {
      // nothing useful to do: the bench reports the missing sample
    }
  });
}
