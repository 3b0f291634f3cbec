/*
 * `sf jwt-setup doctor` (online, the same inputs as login) against `sf jwt-setup login`, alternating.
 */
import { alternate, report, row } from '../harness/compare.js';
import { BENCH_USER, CONSUMER_KEY, OURS_LOGIN, measure, oneLogin, type Case } from '../harness/context.js';
import { sf } from '../harness/proc.js';
import { summarize } from '../harness/stats.js';

const LATENCY_MS = 100;
const GOAL = '<= login + 200 ms';

export const doctor: Case = {
  section: '6',
  name: 'doctor',
  goal: GOAL,
  async run(ctx) {
    const probe = await sf(ctx.runner, ['jwt-setup', 'doctor', '--help']);
    if (probe.code !== 0) {
      return [
        {
          section: '6',
          metric: 'doctor (online) vs login: wall',
          unit: 'ms',
          oursLabel: '',
          theirsLabel: '',
          goal: GOAL,
          skipped: 'skipped: command not available',
        },
      ];
    }
    ctx.log(`doctor: ${ctx.runs.doctor} alternating doctor/login runs`);
    ctx.emu.setLatency(LATENCY_MS);
    const args = [
      'jwt-setup',
      'doctor',
      '-o',
      BENCH_USER,
      '-f',
      ctx.keyFile,
      '-i',
      CONSUMER_KEY,
      '-r',
      ctx.emu.url,
      '--json',
    ];
    const s = await alternate(
      { doctor: () => measure(ctx, args, LATENCY_MS), login: () => oneLogin(ctx, OURS_LOGIN, LATENCY_MS) },
      ctx.runs.doctor,
    );
    const d = summarize(s.doctor.map((x) => x.wallMs));
    const l = summarize(s.login.map((x) => x.wallMs));
    const labels = { oursLabel: 'sf jwt-setup doctor', theirsLabel: 'sf jwt-setup login' };
    return [
      row({
        section: '6',
        metric: 'doctor (online) vs login: wall',
        unit: 'ms',
        ours: s.doctor.map((x) => x.wallMs),
        theirs: s.login.map((x) => x.wallMs),
        ...labels,
        goal: { goal: GOAL, met: () => d.median - l.median <= 2 * LATENCY_MS },
        note: `doctor − login = ${Math.round(d.median - l.median)} ms (medians)`,
      }),
      row({
        section: '6',
        metric: 'doctor vs login: HTTP requests',
        unit: 'req',
        ours: s.doctor.map((x) => x.requests),
        theirs: s.login.map((x) => x.requests),
        ...labels,
        goal: report,
      }),
    ];
  },
};
