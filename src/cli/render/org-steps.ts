/*
 * What the org-side commands (bootstrap, rotate) show while they work: a deploy's progress (a spinner at a terminal;
 * without one, at most a line every 15 seconds), a deploy whose reply was lost and how it was settled, and the
 * exchange's waits while Salesforce propagates a change. Each command's bundle has the same keys: info.deployStart,
 * info.deployProgress, info.deployUnknown, info.deployDone, info.deploySettled, info.waiting.
 */
import type { Messages } from '@salesforce/core';
import type { OrgStepEvent } from '../../org/deploy.js';

type Spinner = { status?: string; start(action: string): void; stop(message?: string): void };

export type Output = {
  spinner: Spinner;
  log(message: string): void;
  logSuccess(message: string): void;
  warn(message: string): void;
};

const QUIET_INTERVAL_MS = 15_000;

export class OrgStepRenderer {
  private spinning = false;
  private lastProgressLine = 0;

  public constructor(
    protected readonly out: Output,
    protected readonly messages: Messages<string>,
    private readonly terminal = Boolean(process.stderr.isTTY),
  ) {}

  /** Stop a spinner left running (a failed deploy). */
  public finish(): void {
    if (this.spinning) this.out.spinner.stop();
    this.spinning = false;
  }

  protected m(key: string, tokens: Array<string | number> = []): string {
    return this.messages.getMessage(key, tokens.map(String));
  }

  /** Shows one of the deploy and exchange events every org-side command reports. */
  protected step(e: OrgStepEvent): void {
    switch (e.type) {
      case 'deploy-start':
        if (this.terminal) {
          this.out.spinner.start(this.m('info.deployStart', [e.what]));
          this.spinning = true;
        } else this.out.log(this.m('info.deployStart', [e.what]));
        return;
      case 'deploy-progress': {
        const { status, deployed, total } = e.progress;
        const line = this.m('info.deployProgress', [e.what, status, deployed, total]);
        if (this.spinning) this.out.spinner.status = line;
        else if (Date.now() - this.lastProgressLine >= QUIET_INTERVAL_MS) {
          this.lastProgressLine = Date.now();
          this.out.log(line);
        }
        return;
      }
      case 'deploy-unknown':
        this.finish();
        this.out.warn(this.m('info.deployUnknown', [e.what, e.why]));
        return;
      case 'deploy-done':
        this.finish();
        if (e.outcome.settledBy) {
          this.out.log(this.m(`info.deploySettled.${e.outcome.settledBy}`, [e.what, e.outcome.id || '-']));
        } else this.out.log(this.m('info.deployDone', [e.what, e.outcome.id, e.outcome.rest ? 'REST' : 'SOAP']));
        return;
      case 'exchange':
        if (e.event.type === 'waiting') {
          const { host, code, delayMs, remainingMs } = e.event;
          this.out.log(
            this.m('info.waiting', [host, code, Math.round(delayMs / 1000), Math.round(remainingMs / 1000)]),
          );
        }
    }
  }
}
