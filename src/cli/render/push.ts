/*
 * What --push shows: a line per secret written, a line per target at the end (names, created or updated; GitLab's
 * unmasked values), and the dry run's plan. Names and targets only: never a value, a sealed value or a token.
 */
import { Messages } from '@salesforce/core';
import type { PushEvent, PushedTarget } from '../../push/push.js';
import type { Output } from './org-steps.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'push');

export function renderPushEvent(out: Pick<Output, 'log'>, event: PushEvent): void {
  out.log(messages.getMessage('info.written', [event.name, event.target, event.result]));
}

export function renderPushed(out: Pick<Output, 'log' | 'warn'>, pushed: readonly PushedTarget[]): void {
  for (const t of pushed) {
    const names = t.written.map((w) => `${w.name} (${w.result})`).join(', ');
    out.log(messages.getMessage('info.pushed', [t.target, t.kind, names]));
    if (t.unmasked.length > 0) out.warn(messages.getMessage('info.unmasked', [t.target, t.unmasked.join(', ')]));
  }
}

/** The dry run's lines: which names would be written where. */
export function pushPlanLines(
  plan: Array<{ target: string; kind: string; names: string[] }>,
  key: 'info.plan.push' | 'info.plan.pushKey',
): string[] {
  return plan.map((p) => messages.getMessage(key, [p.names.join(', '), p.target, p.kind]));
}
