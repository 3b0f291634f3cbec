/*
 * Behind a corporate proxy: with HTTPS_PROXY set, login tunnels through it (HTTP CONNECT) and still verifies the
 * server's TLS certificate end to end; NO_PROXY keeps a host off the proxy. Through the real sf CLI, against the
 * emulator's HTTPS mode, with a small CONNECT proxy on 127.0.0.1 that records what it was asked to reach.
 */
import { writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { GitHubSecretsEmulator } from '../emulator/secrets/index.js';
import { generateTlsMaterial } from '../emulator/tls.js';
import { childEnv, linkPlugin, parseJsonOutput, ROOT, run, sf, tempDir } from '../helpers/index.js';

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

describe('reliability: --push through an HTTPS proxy, as the exchange goes', function () {
  this.timeout(120_000);
  let gh: GitHubSecretsEmulator;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  let dir: string;
  let caFile: string;
  let script: string;

  before(async () => {
    const tls = await generateTlsMaterial();
    gh = new GitHubSecretsEmulator({
      repos: [{ owner: 'acme', repo: 'app' }],
      tokens: [{ token: 'ghp_proxy', repos: ['acme/app'] }],
      tls,
    });
    await gh.start();
    proxy = await startConnectProxy();
    dir = await tempDir('sfjwt-push-proxy-');
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, tls.caCertificatePem);
    // The push module in a process of its own: NODE_EXTRA_CA_CERTS is read at start-up only.
    script = join(dir, 'push.mts');
    const module = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, path)).href);
    await writeFile(
      script,
      `const { checkPush, pushSecrets } = await import(${module('src/push/push.ts')});\n` +
        "const check = await checkPush({ targets: ['github:acme/app'], names: ['SF_JWT_KEY'] });\n" +
        "const { report } = await pushSecrets(check, [{ secrets: [{ name: 'SF_JWT_KEY', value: process.env.VALUE }] }]);\n" +
        'console.log(JSON.stringify(report));\n',
    );
  });

  after(async () => {
    await gh?.stop();
    proxy?.server.close();
  });

  const push = (value: string, extra: Record<string, string>): ReturnType<typeof run> =>
    run(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: childEnv(dir, {
        GH_TOKEN: 'ghp_proxy',
        GITHUB_API_URL: gh.url.replace('127.0.0.1', 'localhost'),
        NODE_EXTRA_CA_CERTS: caFile,
        VALUE: value,
        ...extra,
      }),
    });

  it('tunnels the pre-flight and the writes through HTTPS_PROXY, TLS verified end to end', async () => {
    const before = proxy.connects.length;
    const r = await push('through the proxy', { HTTPS_PROXY: proxy.url });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as {
      failure?: unknown;
      targets: Array<{ written: Array<{ result: string }> }>;
    };
    expect(report.failure).to.equal(undefined);
    expect(report.targets[0].written.map((w) => w.result)).to.deep.equal(['created']);
    expect(gh.secret('acme/app', 'SF_JWT_KEY')?.value).to.equal('through the proxy');
    expect(proxy.connects.slice(before).length).to.be.greaterThan(0);
    expect(proxy.connects.slice(before).every((c) => c === `localhost:${new URL(gh.url).port}`)).to.equal(true);
  });

  it('keeps hosts in NO_PROXY off the proxy', async () => {
    const before = proxy.connects.length;
    const r = await push('not through the proxy', { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost' });
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(gh.secret('acme/app', 'SF_JWT_KEY')?.value).to.equal('not through the proxy');
    expect(proxy.connects.length).to.equal(before);
  });
});
