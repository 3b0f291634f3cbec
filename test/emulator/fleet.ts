/*
 * Several orgs at once: one SalesforceEmulator per org in this process, each on its own port (its My Domain host),
 * with its own org id, users, apps, switches and latency. Used for fleets (many production orgs and sandboxes) and
 * for scratch orgs made from a Dev Hub: any set of orgs a test needs side by side.
 */
import { SalesforceEmulator, type EmulatorOptions } from './index.js';

export type OrgHandle = {
  emulator: SalesforceEmulator;
  /** The org's My Domain URL (its login and instance URL). */
  url: string;
  orgId: string;
};

export class EmulatorFleet {
  private constructor(public readonly orgs: OrgHandle[]) {}

  /** Start one emulator per options object, all at once; if one cannot start, the others are stopped again. */
  public static async start(options: EmulatorOptions[]): Promise<EmulatorFleet> {
    const emulators = options.map((o) => new SalesforceEmulator(o));
    const started = await Promise.allSettled(emulators.map((e) => e.start()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(emulators.map((e) => e.stop().catch(() => undefined)));
      throw failed.reason;
    }
    return new EmulatorFleet(
      emulators.map((emulator) => ({
        emulator,
        url: emulator.url,
        orgId: (emulator.state().org as { orgId: string }).orgId,
      })),
    );
  }

  /** Start one more org beside the others (a scratch org, a new sandbox). */
  public async add(options: EmulatorOptions): Promise<OrgHandle> {
    const emulator = new SalesforceEmulator(options);
    await emulator.start();
    const handle = { emulator, url: emulator.url, orgId: (emulator.state().org as { orgId: string }).orgId };
    this.orgs.push(handle);
    return handle;
  }

  /** The same latency for every org. */
  public setLatency(ms: number): void {
    for (const org of this.orgs) org.emulator.setLatency(ms);
  }

  /** Every token of every org stops working. */
  public expireAllTokens(): void {
    for (const org of this.orgs) org.emulator.expireAllTokens();
  }

  public clearLogs(): void {
    for (const org of this.orgs) org.emulator.clearLog();
  }

  /** Requests to the token endpoint, summed over the orgs. */
  public tokenRequests(): number {
    return this.orgs.reduce(
      (sum, o) => sum + o.emulator.requestLog.filter((e) => e.path === '/services/oauth2/token').length,
      0,
    );
  }

  public async stop(): Promise<void> {
    await Promise.all(this.orgs.map((o) => o.emulator.stop()));
  }
}
