/*
 * Result rows and their plain-text table.
 */
import { fmt, fmtSpread, round, type Summary } from './stats.js';

export type Row = {
  section: string;
  metric: string;
  unit: 'ms' | 'MB' | 'req';
  ours?: Summary;
  theirs?: Summary;
  oursLabel: string;
  theirsLabel: string;
  /** ours median / theirs median */
  ratio?: number;
  goal: string;
  /** undefined: no goal (reported only) */
  met?: boolean;
  skipped?: string;
  note?: string;
};

function cell(s: Summary | undefined, unit: string): [string, string] {
  if (!s || s.n === 0) return ['-', '-'];
  return [fmt(s.median, unit), fmtSpread(s, unit)];
}

export function renderTable(rows: Row[]): string {
  const header = ['#', 'comparison', 'ours median', 'ours min–max', 'theirs median', 'theirs min–max', 'ours/theirs', 'goal', 'met'];
  const lines: string[][] = [header];
  for (const r of rows) {
    if (r.skipped) {
      lines.push([r.section, r.metric, r.skipped, '', '', '', '', r.goal, '-']);
      continue;
    }
    const [om, os] = cell(r.ours, r.unit);
    const [tm, ts] = cell(r.theirs, r.unit);
    const ratio = r.ratio === undefined || !Number.isFinite(r.ratio) ? '-' : `${round(r.ratio, 2).toFixed(2)}x`;
    const met = r.met === undefined ? 'n/a' : r.met ? 'yes' : 'NO';
    lines.push([r.section, r.metric, om, os, tm, ts, ratio, r.goal, met]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => [...l[i]].length)));
  const pad = (l: string[]): string => l.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | ');
  const out = [pad(lines[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.slice(1).map(pad)];
  return out.join('\n');
}

export function renderNotes(rows: Row[]): string {
  return rows
    .filter((r) => r.note)
    .map((r) => `[${r.section}] ${r.metric}: ${r.note ?? ''}`)
    .join('\n');
}
