/*
 * Renderings of a fleet report: a table (one row per org: alias, username, org id, result, seconds) and the line
 * under it, GitHub workflow annotations for the failures, and the same table as Markdown for the job summary. From
 * the per-org results alone, which never hold a token or a key.
 */
import { Messages } from '@salesforce/core';
import type { FleetOrgResult } from '../../fleet/report.js';
import type { OrgCheckResult } from '../../fleet/check.js';
import { appendStepSummary, checkAnnotationText, githubAnnotation } from './report.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'fleet');

const result = (o: FleetOrgResult): string =>
  o.status === 'failed' || o.status === 'warn' ? (o.code ?? o.status) : 'ok';
const seconds = (o: FleetOrgResult): string => (o.durationMs / 1000).toFixed(1);

export function renderFleetTable(orgs: FleetOrgResult[]): string[] {
  const header = ['alias', 'username', 'orgId', 'result', 'seconds'].map((k) => messages.getMessage(`table.${k}`));
  const rows = orgs.map((o) => [o.alias, o.username, o.orgId ?? '-', result(o), seconds(o)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function renderFleetMarkdown(heading: string, orgs: FleetOrgResult[], summary: string): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const icon = (o: FleetOrgResult): string => (o.status === 'ok' ? '✅' : o.status === 'warn' ? '⚠️' : '❌');
  return [
    `### ${heading}`,
    '',
    summary,
    '',
    messages.getMessage('markdownHeader'),
    '|---|---|---|---|---:|',
    ...orgs.map(
      (o) =>
        `| ${cell(o.alias)} | ${cell(o.username)} | ${o.orgId ?? '-'} | ${icon(o)} ${cell(result(o))} | ${seconds(o)} |`,
    ),
    '',
  ].join('\n');
}

/** fleet login under GitHub Actions: one error annotation per failed org, the table appended to the job summary. */
export function publishLoginToGithub(
  command: string,
  orgs: FleetOrgResult[],
  summary: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const o of orgs.filter((x) => x.status === 'failed')) {
    log(
      githubAnnotation(
        'error',
        messages.getMessage('annotationTitle', [command, o.alias]),
        `${o.code ?? 'failed'}: ${o.message ?? ''}`.trim(),
      ),
    );
  }
  appendStepSummary(env, renderFleetMarkdown(command, orgs, summary));
}

/** fleet check under GitHub Actions: one annotation per failed or warning check of each org, and the table. */
export function publishCheckToGithub(
  command: string,
  orgs: OrgCheckResult[],
  summary: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const o of orgs) {
    for (const c of o.checks.filter((x) => x.status === 'fail' || x.status === 'warn')) {
      log(
        githubAnnotation(
          c.status === 'fail' ? 'error' : 'warning',
          messages.getMessage('annotationTitle', [o.alias, c.id]),
          checkAnnotationText(c),
        ),
      );
    }
  }
  appendStepSummary(env, renderFleetMarkdown(command, orgs, summary));
}

/** Under fleet check's table: each org's failed and warning checks, with their fixes. */
export function renderCheckProblems(orgs: OrgCheckResult[]): string[] {
  const lines: string[] = [];
  for (const o of orgs) {
    const problems = o.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
    if (problems.length === 0) continue;
    lines.push('', messages.getMessage('problemsOf', [o.alias, o.username]));
    for (const c of problems) {
      lines.push(`  ${c.status === 'fail' ? 'FAIL' : 'WARN'}  ${c.id}: ${c.detail}`);
      if (c.fix) lines.push(`        ${messages.getMessage('fixLabel', [c.fix])}`);
    }
  }
  return lines;
}

/** Under fleet login's table: why each failed org failed (its code's message, which carries the fix). */
export function renderLoginFailures(orgs: FleetOrgResult[]): string[] {
  const lines: string[] = [];
  for (const o of orgs.filter((x) => x.status === 'failed')) {
    lines.push(
      '',
      messages.getMessage('problemsOf', [o.alias, o.username]),
      `  ${o.code ?? 'failed'}: ${o.message ?? ''}`,
    );
  }
  return lines;
}
