/*
 * Preloaded into a measured child with `node --require <this file>`: when the process exits, writes its own
 * rusage (user + system CPU, peak resident set) as JSON to the file named by BENCH_RUSAGE_FILE.
 * Written synchronously in the 'exit' handler, so it also runs when the CLI calls process.exit().
 * Also counts the worker threads the process started (each @salesforce/core copy's log file is one: a pino
 * thread-stream worker that the process waits for at exit).
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
        }),
      );
    } catch {
      // nothing useful to do: the bench reports the missing sample
    }
  });
}
