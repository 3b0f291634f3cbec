/*
 * Behind a corporate proxy: with HTTPS_PROXY set, login tunnels through it (HTTP CONNECT) and still verifies the
 * server's TLS certificate end to end; NO_PROXY keeps a host off the proxy. Through the real sf CLI, against the
 * emulator's HTTPS mode, with a small CONNECT proxy on 127.0.0.1 that records what it was asked to reach.
 */
import { writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { linkPlugin, parseJsonOutput, sf, tempDir } from '../helpers/index.js';

const CLIENT_ID = '3MVG9ProxyTestConsumerKey00000000000000';

function startConnectProxy(): Promise<{ server: Server; url: string; connects: string[] }> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('data', (head) => {
      const match = /^CONNECT ([^\s:]+):(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString('latin1'));
      if (!match) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      connects.push(`${match[1]}:${match[2]}`);
      const upstream = connect(Number(match[2]), match[1], () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}`, connects });
    }),
  );
}

describe('reliability: login through an HTTPS proxy', function () {
  this.timeout(120_000);
  let emu: SalesforceEmulator;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  let home: string;
  let caFile: string;
  let keyFile: string;

  before(async () => {
    const creds = await makeCredentials('proxy');
    emu = await startEmulator({
      https: true,
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [
        { username: 'proxy@acme.example', permissionSets: ['CI'] },
        { username: 'direct@acme.example', permissionSets: ['CI'] },
      ],
    });
    proxy = await startConnectProxy();
    home = await tempDir('sfjwt-proxy-');
    caFile = join(home, 'ca.pem');
    await writeFile(caFile, emu.caCertificatePem ?? '');
    keyFile = join(home, 'k.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    await linkPlugin(home);
  });
  after(async () => {
    proxy?.server.close();
    await emu?.stop();
  });

  const login = (user: string, env: Record<string, string>): ReturnType<typeof sf> =>
    sf(
      home,
      ['jwt-setup', 'login', '-o', user, '-i', CLIENT_ID, '-r', emu.url, '-f', keyFile, '--json', '--timeout', '20'],
      {
        NODE_EXTRA_CA_CERTS: caFile,
        ...env,
      },
    );

  it('tunnels the token request and the org reads through HTTPS_PROXY', async () => {
    const before = proxy.connects.length;
    const r = await login('proxy@acme.example', { HTTPS_PROXY: proxy.url, NO_PROXY: '' });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect((parseJsonOutput(r.stdout) as { result: { username: string } }).result.username).to.equal(
      'proxy@acme.example',
    );
    const host = new URL(emu.url).host;
    const tunnels = proxy.connects.slice(before);
    expect(tunnels.length, 'token request plus the parallel org reads').to.be.at.least(4);
    expect(tunnels.every((t) => t === host)).to.equal(true);
  });

  it('keeps hosts in NO_PROXY off the proxy', async () => {
    const before = proxy.connects.length;
    const r = await login('direct@acme.example', { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(proxy.connects.length).to.equal(before);
  });
});
