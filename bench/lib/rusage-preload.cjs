/*
 * Preloaded into a measured child with `node --require <this file>`: when the process exits, writes its own
 * rusage (user + system CPU, peak resident set) as JSON to the file named by BENCH_RUSAGE_FILE.
 * Written synchronously in the 'exit' handler, so it also runs when the CLI calls process.exit().
 */
'use strict';
const { writeFileSync } = require('node:fs');

const target = process.env.BENCH_RUSAGE_FILE;
if (target) {
  // Only the process we were preloaded into reports; children it may spawn do not inherit --require.
  delete process.env.BENCH_RUSAGE_FILE;
  process.on('exit', () => {
    const u = process.resourceUsage();
    try {
      writeFileSync(
        target,
        JSON.stringify({ userMs: u.userCPUTime / 1000, sysMs: u.systemCPUTime / 1000, maxRssKb: u.maxRSS, pid: process.pid })
      );
    } catch {
      // nothing useful to do: the bench reports the missing sample
    }
  });
}
