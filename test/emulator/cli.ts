/*
 * Runs the emulator as a process:
 *   node --import tsx test/emulator/cli.ts [--config file.json] [--port N] [--https] [--latency MS] [--token-lifetime S]
 * Prints one line of JSON, {"url": "...", "pid": N[, "caCertificatePem": "<path of a temp file>"]}, then serves
 * until SIGTERM/SIGINT. The config file is a JSON EmulatorOptions. Control it further with the /__emulator/ API.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SalesforceEmulator, type EmulatorOptions } from './index.js';

function fail(message: string): never {
  process.stderr.write(`salesforce emulator: ${message}\n`);
  process.exit(2);
}

function toNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`${flag} needs a non-negative number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      https: { type: 'boolean' },
      latency: { type: 'string' },
      'token-lifetime': { type: 'string' },
      host: { type: 'string' },
    },
    strict: true,
  });
  let options: EmulatorOptions = {};
  if (values.config) {
    try {
      options = JSON.parse(readFileSync(values.config, 'utf8')) as EmulatorOptions;
    } catch (error) {
      fail(`cannot read config ${values.config}: ${(error as Error).message}`);
    }
  }
  options = {
    ...options,
    ...(values.port !== undefined ? { port: toNumber(values.port, '--port') } : {}),
    ...(values.https ? { https: true } : {}),
    ...(values.latency !== undefined ? { latencyMs: toNumber(values.latency, '--latency') } : {}),
    ...(values['token-lifetime'] !== undefined
      ? { tokenLifetimeSeconds: toNumber(values['token-lifetime'], '--token-lifetime') }
      : {}),
    ...(values.host ? { host: values.host } : {}),
  };

  const emulator = new SalesforceEmulator(options);
  const url = await emulator.start();
  let caDir: string | undefined;
  const line: Record<string, unknown> = { url, pid: process.pid };
  if (emulator.caCertificatePem) {
    caDir = mkdtempSync(join(tmpdir(), 'sf-emulator-ca-'));
    const caPath = join(caDir, 'ca.pem');
    writeFileSync(caPath, emulator.caCertificatePem);
    line.caCertificatePem = caPath;
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    emulator
      .stop()
      .catch(() => undefined)
      .finally(() => {
        if (caDir) rmSync(caDir, { recursive: true, force: true });
        process.exit(0);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => fail((error as Error).message ?? String(error)));
