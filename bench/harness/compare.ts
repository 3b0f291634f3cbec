/*
 * The one shape every benchmark has: run the contenders in turn (after an untimed warm-up each), rotating the order
 * every round so none always runs first or right after a CPU-heavy neighbour, then summarise and make a row.
 */
/* eslint-disable no-await-in-loop -- runs are sequential on purpose: each one is timed alone */
import { summarize, type Summary } from './stats.js';
import type { Row } from './table.js';

/**
 * Runs each of `contenders` once untimed (when warmUp), then `rounds` rounds of all of them, the order rotated by
 * one each round. Returns every contender's samples, in the order taken.
 */
export async function alternate<T, K extends string>(
  contenders: Record<K, () => Promise<T>>,
  rounds: number,
  options: { warmUp?: boolean } = {},
): Promise<Record<K, T[]>> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as T[]])) as Record<K, T[]>;
  if (options.warmUp ?? true) for (const name of names) await contenders[name]();
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      samples[name].push(await contenders[name]());
    }
  }
  return samples;
}

export function ratio(ours?: Summary, theirs?: Summary): number | undefined {
  if (!ours || !theirs || ours.n === 0 || theirs.n === 0 || theirs.median === 0) return undefined;
  return ours.median / theirs.median;
}

export type Goal = {
  goal: string;
  met?: (ours: Summary, theirs: Summary | undefined, ratio: number | undefined) => boolean;
};

/** A goal on the ratio of the medians: ours/theirs at most `max`. */
export const atMost = (max: number): Goal => ({
  goal: `<= ${max.toFixed(2)}x`,
  met: (_o, _t, r) => r !== undefined && r <= max,
});
/** Reported only. */
export const report: Goal = { goal: 'report' };

/** A row from two sample sets (theirs optional: a context row). */
export function row(spec: {
  section: string;
  metric: string;
  unit: Row['unit'];
  ours: number[];
  theirs?: number[];
  oursLabel: string;
  theirsLabel?: string;
  goal: Goal;
  note?: string;
}): Row {
  const ours = summarize(spec.ours);
  const theirs = spec.theirs ? summarize(spec.theirs) : undefined;
  const r = ratio(ours, theirs);
  return {
    section: spec.section,
    metric: spec.metric,
    unit: spec.unit,
    ours,
    theirs,
    oursLabel: spec.oursLabel,
    theirsLabel: spec.theirsLabel ?? '',
    ratio: r,
    goal: spec.goal.goal,
    met: spec.goal.met ? spec.goal.met(ours, theirs, r) : undefined,
    note: spec.note,
  };
}

/** Picks one numeric field out of every sample. */
export const pick = <T, K extends keyof T>(samples: T[], key: K): number[] => samples.map((s) => Number(s[key]));
