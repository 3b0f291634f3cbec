/*
 * Faults injected by the emulator at the token endpoint: login retries transient failures a bounded number of times
 * with growing delays, keeps to its overall timeout, and ends in a coded error naming the host; a fault that happens
 * once is retried into success.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { login } from '../../src/auth/login.js';
import { DEFAULT_RETRY, postAssertion, type ExchangeEvent } from '../../src/exchange/token.js';
import { startEmulator, type FaultKind, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { expectCoded, isolatedHome, loginInputs, rejection } from '../helpers/index.js';

const TOKEN_PATH = '/services/oauth2/token';
const CLIENT_ID = '3MVGFAULTS';
const USER = 'ci@faults.example';

describe('reliability: login under injected faults', function () {
  this.timeout(60_000);
  let emu: SalesforceEmulator;
  let keyFile: string;
  let env: Awaited<ReturnType<typeof isolatedHome>>;

  before(async () => {
    const creds = await makeCredentials('faults');
    emu = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [{ username: USER, permissionSets: ['CI'] }],
    });
    env = await isolatedHome();
    keyFile = join(env.home, 'server.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
  });
  after(async () => {
    await emu.stop();
    await env.restore();
  });
  beforeEach(() => {
    emu.setFaults([]);
    emu.clearLog();
  });

  const inputs = (): ReturnType<typeof loginInputs> => loginInputs(emu.url, CLIENT_ID, USER, { file: keyFile });
  const tokenTimes = (): number[] => emu.requestLog.filter((e) => e.path === TOKEN_PATH).map((e) => e.at);
  const host = (): string => new URL(emu.url).host;

  const persistent: Array<{ kind: FaultKind; code: string }> = [
    { kind: '503', code: 'ServerUnavailable' },
    { kind: 'html', code: 'UnexpectedResponse' },
    { kind: 'reset', code: 'NetworkError' },
  ];
  for (const { kind, code } of persistent) {
    it(`a persistent ${kind} fault: ${DEFAULT_RETRY.attempts} attempts with growing delays, then ${code} naming the host`, async () => {
      emu.setFaults([{ kind, path: TOKEN_PATH }]);
      const started = Date.now();
      const error = await rejection(login(inputs(), { timeoutSeconds: 8 }));
      const elapsed = Date.now() - started;
      expectCoded(error, code);
      expect(error.message).to.include(host());
      if (code === 'ServerUnavailable') expect(error.message).to.include(`(attempts made: ${DEFAULT_RETRY.attempts})`);
      const times = tokenTimes();
      expect(times.length, 'bounded retries').to.equal(DEFAULT_RETRY.attempts);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      for (const [i, gap] of gaps.entries()) {
        expect(gap, `delay before attempt ${i + 2}`).to.be.at.least(DEFAULT_RETRY.baseDelayMs * 2 ** i * 0.7);
        if (i > 0) expect(gap, 'backoff grows').to.be.greaterThan(gaps[i - 1]);
      }
      expect(elapsed).to.be.lessThan(8000);
      expect(existsSync(join(env.home, '.sfdx', `${USER}.json`)), 'nothing registered').to.equal(false);
    });
  }

  it('a persistent 503 fault with timeout 2 s: stops by the deadline with ServerUnavailable or RequestTimeout', async () => {
    emu.setFaults([{ kind: '503', path: TOKEN_PATH }]);
    const started = Date.now();
    const error = await rejection(login(inputs(), { timeoutSeconds: 2 }));
    expectCoded(error, 'ServerUnavailable', 'RequestTimeout');
    expect(error.message).to.include(host());
    expect(Date.now() - started).to.be.lessThan(4000);
    expect(tokenTimes().length).to.be.within(2, DEFAULT_RETRY.attempts);
  });

  for (const kind of ['hang', 'slow-body'] as const) {
    it(`a persistent ${kind} fault: the exchange stops at its deadline (2 s) with RequestTimeout naming the host`, async () => {
      emu.setFaults([{ kind, path: TOKEN_PATH }]);
      const started = Date.now();
      const error = await rejection(
        postAssertion(
          new URL(emu.url),
          'x.y.z',
          { audience: emu.url, username: USER, clientId: CLIENT_ID },
          { deadline: Date.now() + 2000, timeoutSeconds: 2 },
        ),
      );
      expectCoded(error, 'RequestTimeout');
      expect(error.message).to.include(host());
      expect(Date.now() - started).to.be.within(1900, 3000);
      expect(tokenTimes().length).to.equal(1);
    });

    // Regression (found by this suite, fixed in src since): src/auth/login.ts `const deadline = start + Math.max(timeoutSeconds * 1000, waitMs + 30_000);` adds
    // the 30 s propagation margin even when --wait is 0, so any --timeout below 30 s (the flag accepts 1..3600) is
    // silently 30 s: a hung or slow token endpoint holds login for 30 s with --timeout 2 (measured: 30.0 s), and a
    // slow body that takes 5 s succeeds instead of timing out. Fix: only extend when waiting, e.g.
    // `start + (waitMs > 0 ? Math.max(timeoutSeconds * 1000, waitMs + 30_000) : timeoutSeconds * 1000)`.
    it(`a persistent ${kind} fault with login --timeout 2: login ends by ~2 s with RequestTimeout`, async () => {
      emu.setFaults([{ kind, path: TOKEN_PATH }]);
      const started = Date.now();
      const error = await rejection(login(inputs(), { timeoutSeconds: 2 }));
      expectCoded(error, 'RequestTimeout');
      expect(error.message).to.include(host());
      expect(Date.now() - started, 'respects the overall timeout').to.be.lessThan(3000);
    });
  }

  for (const kind of ['503', 'html', 'reset'] as const) {
    it(`a single ${kind} fault is retried into success`, async () => {
      emu.setFaults([{ kind, times: 1, path: TOKEN_PATH }]);
      const events: ExchangeEvent[] = [];
      const outcome = await login(inputs(), { timeoutSeconds: 10, onEvent: (e) => events.push(e) });
      expect(outcome.username).to.equal(USER);
      expect(tokenTimes().length).to.equal(2);
      // The retry notice says in a few words what happened, once, with the attempt out of how many.
      const retry = events.find((e) => e.type === 'retry');
      expect(retry).to.include({ host: host(), attempt: 1, attempts: 4 });
      const said = { '503': 'HTTP 503', html: 'HTML page', reset: 'reset' }[kind];
      expect((retry as { reason: string }).reason)
        .to.include(said)
        .and.not.include(host())
        .and.not.match(/\.$/);
      expect(emu.requestLog.filter((e) => e.path === TOKEN_PATH).map((e) => e.grant?.result)).to.include('ok');
      expect(existsSync(join(env.home, '.sfdx', `${USER}.json`))).to.equal(true);
    });
  }

  it('a single slow-body answer within the timeout still succeeds', async () => {
    emu.setFaults([{ kind: 'slow-body', times: 1, path: TOKEN_PATH }]);
    const outcome = await login(inputs(), { timeoutSeconds: 15 });
    expect(outcome.orgId).to.match(/^00D/);
    expect(tokenTimes().length).to.equal(1);
  });

  it('faults on the org-detail reads after the token cost a warning, not the login', async () => {
    // the three parallel reads (versions, Dev Hub probe, Organization) each get a 503
    emu.setFaults([{ kind: '503', path: '/services/data', times: 3 }]);
    const outcome = await login(inputs(), { timeoutSeconds: 10 });
    expect(outcome.problems.length).to.be.greaterThan(0);
    expect(existsSync(join(env.home, '.sfdx', `${USER}.json`))).to.equal(true);
  });

  // Regression (found by this suite, fixed in src since): src/exchange/http.ts httpRequest used the overall login deadline as the only timeout of each attempt, so one
  // hung connection (no answer, socket open) uses up the whole --timeout (default 120 s) and postAssertion
  // (src/exchange/token.ts) never gets to retry: `hang` with times:1 ends in RequestTimeout instead of success.
  // Fix: give each attempt its own timeout (e.g. min(remaining, max(5 s, remaining / attempts))) and treat an
  // attempt timeout before the overall deadline as a transient NetworkError that is retried.
  it('a single hang is retried into success within the timeout', async () => {
    emu.setFaults([{ kind: 'hang', times: 1, path: TOKEN_PATH }]);
    const outcome = await login(inputs(), { timeoutSeconds: 6 });
    expect(outcome.username).to.equal(USER);
    expect(tokenTimes().length).to.equal(2);
  });
});
