/*
 * Small statistics for noisy samples: median, quartiles and p90 (linear interpolation), min and max.
 */

export type Summary = {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  samples: number[];
};

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    samples: samples.map((s) => round(s, 2)),
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** "1234 ms" / "1.23 s" style number with its unit. */
export function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '-';
  if (unit === 'ms') return value >= 10_000 ? `${round(value / 1000, 1)} s` : `${Math.round(value)} ms`;
  if (unit === 'MB') return `${round(value, 0)} MB`;
  if (unit === 'req' || unit === 'count') return Number.isInteger(value) ? String(value) : String(round(value, 1));
  return `${round(value, 2)} ${unit}`;
}

export function fmtSpread(s: Summary, unit: string): string {
  if (s.n === 0) return '-';
  if (s.min === s.max) return fmt(s.min, unit);
  return `${fmt(s.min, unit)}–${fmt(s.max, unit)}`;
}

/** Counts per bin of `binMs`, non-empty bins only: "1.00–1.25 s ×9, 2.00–2.25 s ×3" (a bimodal spread shows). */
export function histogram(samples: number[], binMs = 250): string {
  const counts = new Map<number, number>();
  for (const s of samples) {
    const bin = Math.floor(s / binMs);
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([bin, n]) => `${((bin * binMs) / 1000).toFixed(2)}–${(((bin + 1) * binMs) / 1000).toFixed(2)} s ×${n}`)
    .join(', ');
}
