/*
 * The end-to-end demo: start the local Salesforce emulator, make a key and certificate with `sf jwt-setup keygen`,
 * register the certificate with the emulator's app (what you do in Setup, or with `sf jwt-setup app`), log in with
 * `sf jwt-setup login`, and show `sf org display` and `sf data query` on the result. Everything runs through the real
 * sf CLI in a temporary HOME, so your own sf configuration is untouched.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../test/emulator/index.js';
import { SfSandbox } from '../test/integration/sf-cli.js';

const CLIENT_ID = '3MVG9DemoConsumerKeyForTheLocalEmulator0001';
const USERNAME = 'ci@demo.example.com';

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

async function main(): Promise<void> {
  const sf = await SfSandbox.create();
  const emulator = await startEmulator({ users: [{ username: USERNAME, permissionSets: ['CI_Deploy_JWT'] }] });
  try {
    step(`Local Salesforce emulator on ${emulator.url}; sf runs with HOME=${sf.home}`);

    step('sf jwt-setup keygen --output-dir jwt');
    const keygen = await sf.run(['jwt-setup', 'keygen', '--output-dir', 'jwt']);
    process.stdout.write(keygen.stdout + keygen.stderr);
    if (keygen.code !== 0) throw new Error('keygen failed');

    step('Register the certificate with the app (Setup > External Client App > "Use digital signatures")');
    emulator.addApp({
      consumerKey: CLIENT_ID,
      certificatePem: await readFile(join(sf.home, 'jwt', 'server.crt'), 'utf8'),
      permissionSets: ['CI_Deploy_JWT'],
    });
    process.stdout.write(`App with consumer key ${CLIENT_ID}, pre-authorized for permission set CI_Deploy_JWT\n`);

    step(`sf jwt-setup login --username ${USERNAME} --jwt-key-file jwt/server.key --client-id ${CLIENT_ID} --instance-url ${emulator.url} --alias demo`);
    const login = await sf.run(['jwt-setup', 'login', '--username', USERNAME, '--jwt-key-file', 'jwt/server.key', '--client-id', CLIENT_ID, '--instance-url', emulator.url, '--alias', 'demo']);
    process.stdout.write(login.stdout + login.stderr);
    if (login.code !== 0) throw new Error('login failed');

    step('sf org display --target-org demo');
    const display = await sf.run(['org', 'display', '--target-org', 'demo']);
    process.stdout.write(display.stdout);

    step('sf data query --query "SELECT Id, Name FROM Account" --target-org demo');
    const query = await sf.run(['data', 'query', '--query', 'SELECT Id, Name FROM Account', '--target-org', 'demo']);
    process.stdout.write(query.stdout);

    step('sf jwt-setup doctor --target-org demo --certificate-file jwt/server.crt');
    const doctor = await sf.run(['jwt-setup', 'doctor', '--target-org', 'demo', '--certificate-file', 'jwt/server.crt']);
    process.stdout.write(doctor.stdout);
    process.stdout.write(`\nHTTP requests the emulator saw: ${emulator.requestLog.length}\n`);
    if (display.code !== 0 || query.code !== 0) throw new Error('the sf CLI could not use the org');
  } finally {
    await emulator.stop();
    await sf.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
