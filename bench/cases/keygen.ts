/*
 * RSA key + self-signed certificate: in-process (what keygen runs) and the whole `sf jwt-setup keygen`, against
 * `openssl req -x509 -newkey rsa:N -nodes`.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createSelfSignedCertificate } from '../../src/keys/certificate.js';
import { parseSubject } from '../../src/keys/subject.js';
import { alternate, atMost, report, row } from '../harness/compare.js';
import { ensureOk, type Case, type Context } from '../harness/context.js';
import { run, sf } from '../harness/proc.js';
import { summarize } from '../harness/stats.js';
import type { Row } from '../harness/table.js';

const generateRsa = promisify(generateKeyPair);
const subject = parseSubject('CN=x');

async function inProcess(bits: number): Promise<number> {
  const started = performance.now();
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: bits, publicExponent: 0x1_00_01 });
  await createSelfSignedCertificate({ privateKey, publicKey, subject, days: 365 });
  return performance.now() - started;
}

async function bitsRows(ctx: Context, bits: 2048 | 4096): Promise<Row[]> {
  const n = bits === 2048 ? ctx.runs.rsa2048 : ctx.runs.rsa4096;
  ctx.log(`keys: RSA ${bits}, ${n} runs of each`);
  const dir = join(ctx.work, `keygen-${bits}`);
  await mkdir(dir, { recursive: true });
  const openssl = ctx.openssl;
  const contenders = {
    inProcess: () => inProcess(bits),
    sfKeygen: async (): Promise<number> => {
      const r = await sf(ctx.runner, [
        'jwt-setup',
        'keygen',
        '-d',
        dir,
        '-n',
        'k',
        '--key-size',
        String(bits),
        '--force',
        '--json',
      ]);
      ensureOk(r, 'sf jwt-setup keygen');
      return r.wallMs;
    },
    ...(openssl
      ? {
          openssl: async (): Promise<number> => {
            const args = [
              'req',
              '-x509',
              '-newkey',
              `rsa:${bits}`,
              '-nodes',
              '-keyout',
              join(dir, 'o.key'),
              '-out',
              join(dir, 'o.crt'),
              '-days',
              '365',
              '-subj',
              '/CN=x',
            ];
            const r = await run(openssl, args, { env: ctx.runner.env, cwd: dir, timeoutMs: 120_000 });
            ensureOk(r, 'openssl req');
            return r.wallMs;
          },
        }
      : {}),
  } as Record<'inProcess' | 'sfKeygen' | 'openssl', () => Promise<number>>;
  // no warm-up: RSA generation has no cache to warm, and the certificate writer is loaded once before (see below)
  const s = await alternate(contenders, n, { warmUp: false });
  if (!openssl) {
    return [
      {
        ...row({
          section: '5',
          metric: `RSA ${bits} key+cert: in-process vs openssl`,
          unit: 'ms',
          ours: s.inProcess,
          oursLabel: 'in-process',
          goal: atMost(1.5),
        }),
        skipped: 'skipped: openssl not found',
      },
      row({
        section: '5',
        metric: `RSA ${bits}: sf jwt-setup keygen (no openssl)`,
        unit: 'ms',
        ours: s.sfKeygen,
        oursLabel: 'sf jwt-setup keygen',
        goal: report,
      }),
    ];
  }
  const ip = summarize(s.inProcess);
  const os = summarize(s.openssl);
  return [
    row({
      section: '5',
      metric: `RSA ${bits} key+cert: in-process vs openssl`,
      unit: 'ms',
      ours: s.inProcess,
      theirs: s.openssl,
      oursLabel: 'generateKeyPair + createSelfSignedCertificate',
      theirsLabel: `openssl req -x509 -newkey rsa:${bits}`,
      goal: atMost(1.5),
      note: `IQR ours ${Math.round(ip.q1)}–${Math.round(ip.q3)} ms, openssl ${Math.round(os.q1)}–${Math.round(os.q3)} ms`,
    }),
    row({
      section: '5',
      metric: `RSA ${bits}: sf jwt-setup keygen vs openssl`,
      unit: 'ms',
      ours: s.sfKeygen,
      theirs: s.openssl,
      oursLabel: `sf jwt-setup keygen --key-size ${bits}`,
      theirsLabel: `openssl req -x509 -newkey rsa:${bits}`,
      goal: report,
    }),
  ];
}

export const keygen: Case = {
  section: '5',
  name: 'keys',
  goal: '<= 1.50x',
  async run(ctx) {
    await inProcess(2048); // loads the certificate writer: the in-process number is the generation, not the module load
    return [...(await bitsRows(ctx, 2048)), ...(await bitsRows(ctx, 4096))];
  },
};
