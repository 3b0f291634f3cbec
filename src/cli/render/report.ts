/*
 * Renderings of a doctor report: plain text for terminals and CI logs, GitHub workflow annotations, and a Markdown
 * job summary. All from the same checks; none contains a secret (checks never hold one).
 */
import { appendFileSync } from 'node:fs';
import { Messages } from '@salesforce/core';
import { countByStatus, type Check, type CheckStatus } from '../../checks/check.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'report');

const MARK: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

function summary(checks: Check[]): string {
  const counts = countByStatus(checks);
  return messages.getMessage('summary', [counts.pass, counts.warn, counts.fail, counts.skip]);
}

export function renderText(checks: Check[]): string[] {
  const lines = checks.map((c) => `${MARK[c.status]}  ${c.id.padEnd(22)} ${c.title}: ${c.detail}`);
  const problems = checks.filter((c) => (c.status === 'fail' || c.status === 'warn') && c.fix);
  if (problems.length > 0) {
    lines.push('', messages.getMessage('howToFix'));
    for (const c of problems) lines.push(`- ${c.id} (${MARK[c.status]}): ${c.fix ?? ''}`);
  }
  lines.push('', summary(checks));
  return lines;
}

/** One GitHub Actions workflow command (an error or warning annotation), escaped as the runner reads it. */
export function githubAnnotation(level: 'error' | 'warning', title: string, text: string): string {
  const escape = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProperty = (s: string): string => escape(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::${level} title=${escapeProperty(title)}::${escape(text)}`;
}

/** The text of a check's annotation: what was found, and the fix. */
export function checkAnnotationText(c: Check): string {
  return c.fix ? messages.getMessage('annotationWithFix', [c.detail, c.fix]) : c.detail;
}

/** GitHub Actions workflow commands: one annotation per failure and warning. */
export function renderGithubAnnotations(checks: Check[]): string[] {
  return checks
    .filter((c) => c.status === 'fail' || c.status === 'warn')
    .map((c) =>
      githubAnnotation(
        c.status === 'fail' ? 'error' : 'warning',
        messages.getMessage('annotationTitle', [c.id]),
        checkAnnotationText(c),
      ),
    );
}

/** Append Markdown to $GITHUB_STEP_SUMMARY when it is set; a summary that cannot be written is not worth failing for. */
export function appendStepSummary(env: NodeJS.ProcessEnv, markdown: string): void {
  if (!env.GITHUB_STEP_SUMMARY) return;
  try {
    appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
  } catch {
    // a summary that cannot be written is not worth failing the command for
  }
}

export function renderMarkdown(checks: Check[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const icon: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', skip: '➖' };
  const rows = checks.map(
    (c) => `| ${icon[c.status]} ${c.status} | \`${c.id}\` | ${cell(c.detail)} | ${cell(c.fix ?? '')} |`,
  );
  return [
    `### ${messages.getMessage('markdownHeading')}`,
    '',
    summary(checks),
    '',
    messages.getMessage('markdownTableHeader'),
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** When running in GitHub Actions: annotations on stdout, and the summary appended to $GITHUB_STEP_SUMMARY. */
export function publishToGithub(checks: Check[], env: NodeJS.ProcessEnv, log: (line: string) => void): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const line of renderGithubAnnotations(checks)) log(line);
  appendStepSummary(env, renderMarkdown(checks));
}
