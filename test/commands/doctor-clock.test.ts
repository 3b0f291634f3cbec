/*
 * Doctor's clock check: the server's Date header against this machine's clock. A server that answers like Salesforce
 * ("expired authorization code") with a Date header offset from ours: 90 s warns, 5 minutes fails, and the diagnosis
 * of the expired assertion puts the clock first.
 */
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DoctorReport } from '../../src/doctor/runner.js';
import { runDoctorWithFlags as runDoctor, tempDir } from '../helpers/index.js';

import { makeCredentials } from '../emulator/testkit.js';

function skewedServer(offsetMs: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.sendDate = false;
      res.writeHead(400, {
        'Content-Type': 'application/json;charset=UTF-8',
        Date: new Date(Date.now() + offsetMs).toUTCString(),
      });
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'expired authorization code' }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }),
    ),
  );
}

describe('doctor: clock against the server', () => {
  let keyFile: string;
  before(async () => {
    keyFile = join(await tempDir('sfjwt-clock-'), 'k.key');
    await writeFile(keyFile, (await makeCredentials('clock')).privateKeyPem, { mode: 0o600 });
  });

  async function doctorAgainst(offsetMs: number): Promise<DoctorReport> {
    const { server, url } = await skewedServer(offsetMs);
    try {
      return await runDoctor(
        {
          username: 'ci@acme.com',
          'client-id': '3MVG9ClockTestConsumerKey000000000000',
          'jwt-key-file': keyFile,
          'instance-url': url,
        },
        { timeoutSeconds: 10, env: {} },
      );
    } finally {
      server.close();
    }
  }

  const check = (report: DoctorReport, id: string): DoctorReport['checks'][number] => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id}`);
    return found;
  };

  it('passes when the clocks agree, and the expiry refusal is diagnosed without blaming the clock', async () => {
    const report = await doctorAgainst(0);
    expect(check(report, 'endpoint.clock')).to.include({ status: 'pass' });
    expect(check(report, 'endpoint.clock').detail).to.match(/in step with the server's \([01] s apart/);
    expect(check(report, 'exchange').status).to.equal('fail');
    expect(check(report, 'exchange').fix).to.not.match(/^1\. This machine's clock is off/);
  });

  it('warns when this machine is 90 seconds ahead of the server', async () => {
    const report = await doctorAgainst(-90_000);
    const clock = check(report, 'endpoint.clock');
    expect(clock.status).to.equal('warn');
    expect(clock.detail).to.match(/9\d seconds ahead of the server's\./);
    expect(clock.fix).to.include('NTP');
  });

  it('fails when this machine is 5 minutes behind, and names the clock as the first cause of the expired assertion', async () => {
    const report = await doctorAgainst(300_000);
    const clock = check(report, 'endpoint.clock');
    expect(clock.status).to.equal('fail');
    expect(clock.detail).to.match(/(29\d|30\d) seconds behind the server's\./);
    expect(check(report, 'exchange').detail).to.include('expired authorization code');
    expect(check(report, 'exchange').fix).to.match(/^1\. This machine's clock is off/);
    expect(report.ok).to.equal(false);
  });
});
