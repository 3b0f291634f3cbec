/*
 * Result rows and their plain-text table.
 */
import { fmt, fmtSpread, round, type Summary } from './stats.js';

export type Row = {
  section: string;
  metric: string;
  unit: 'ms' | 'MB' | 'req' | 'count';
  ours?: Summary;
  theirs?: Summary;
  oursLabel: string;
  theirsLabel: string;
  /** ours median / theirs median (n) */
  ratio?: number;
  goal: string;
  /** undefined: no goal (reported only) */
  met?: boolean;
  skipped?: string;
  note?: string;
};

function cell(s: Summary | undefined, unit: string): [string, string, string] {
  if (!s || s.n === 0) return ['-', '-', '-'];
  return [fmt(s.median, unit), fmt(s.p90, unit), fmtSpread(s, unit)];
}

export function renderTable(rows: Row[]): string {
  const header = [
    '#',
    'comparison',
    'ours p50',
    'ours p90',
    'ours min–max',
    'theirs p50',
    'theirs p90',
    'theirs min–max',
    'ours/theirs',
    'goal',
    'met',
  ];
  const lines: string[][] = [header];
  for (const r of rows) {
    if (r.skipped) {
      lines.push([r.section, r.metric, r.skipped, '', '', '', '', '', '', r.goal, '-']);
      continue;
    }
    const [om, o90, os] = cell(r.ours, r.unit);
    const [tm, t90, ts] = cell(r.theirs, r.unit);
    const ratio = r.ratio === undefined || !Number.isFinite(r.ratio) ? '-' : `${round(r.ratio, 2).toFixed(2)}x`;
    const met = r.met === undefined ? 'n/a' : r.met ? 'yes' : 'NO';
    lines.push([r.section, r.metric, om, o90, os, tm, t90, ts, ratio, r.goal, met]);
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

/** The same table in Markdown, for the README. */
export function renderMarkdown(rows: Row[]): string {
  const text = renderTable(rows).split('\n');
  const cells = (line: string): string[] => line.split(' | ').map((c) => c.trim());
  const header = cells(text[0]);
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const line of text.slice(2)) out.push(`| ${cells(line).join(' | ')} |`);
  return out.join('\n');
}
