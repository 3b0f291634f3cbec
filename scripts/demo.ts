/*
 * The end-to-end demo, the whole journey of a pipeline identity: start the local Salesforce emulator, log an admin in
 * (`sf org login access-token`), run `sf jwt-setup bootstrap` (key, External Client App, deploy, assignment, verified
 * login), then `sf org display` and `sf data query` as the CI user, and `sf jwt-setup doctor --admin-org` on it.
 * Everything runs through the real sf CLI in a temporary HOME, so your own sf configuration is untouched.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../test/emulator/index.js';
import { SfSandbox } from '../test/helpers/index.js';

const ADMIN = 'admin@demo.example.com';
const USERNAME = 'ci@demo.example.com';

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

async function main(): Promise<void> {
  const sf = await SfSandbox.create();
  const emulator = await startEmulator({
    users: [{ username: ADMIN }, { username: USERNAME, profile: 'Minimum Access - API Only Integrations' }],
  });
  try {
    step(`Local Salesforce emulator on ${emulator.url}; sf runs with HOME=${sf.home}`);
    const project = join(sf.home, 'project');
    await mkdir(project, { recursive: true });
    await writeFile(
      join(project, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '64.0' }, null, 2),
    );

    step(
      `sf org login access-token --instance-url ${emulator.url} --alias admin   (an admin's login; any sf login works)`,
    );
    const admin = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emulator.url, '--no-prompt', '--alias', 'admin'],
      {
        env: { SF_ACCESS_TOKEN: emulator.issueAccessToken(ADMIN).access_token },
      },
    );
    process.stdout.write(admin.stdout + admin.stderr);
    if (admin.code !== 0) throw new Error('the admin login failed');

    const bootstrapArgs = ['--target-org', 'admin', '--username', USERNAME, '--app', 'CI_Deploy', '--alias', 'ci'];
    step(`sf jwt-setup bootstrap ${bootstrapArgs.join(' ')}`);
    const bootstrap = await sf.run(['jwt-setup', 'bootstrap', ...bootstrapArgs], { cwd: project, timeoutMs: 300_000 });
    process.stdout.write(bootstrap.stdout + bootstrap.stderr);
    if (bootstrap.code !== 0) throw new Error('bootstrap failed');

    step('sf org display --target-org ci   (the CI user, logged in by the JWT bearer flow)');
    const display = await sf.run(['org', 'display', '--target-org', 'ci']);
    process.stdout.write(display.stdout);

    step('sf data query --query "SELECT Id, Name FROM Account" --target-org ci');
    const query = await sf.run(['data', 'query', '--query', 'SELECT Id, Name FROM Account', '--target-org', 'ci']);
    process.stdout.write(query.stdout);

    step('sf jwt-setup doctor --target-org ci --admin-org admin');
    const doctor = await sf.run(['jwt-setup', 'doctor', '--target-org', 'ci', '--admin-org', 'admin'], {
      cwd: project,
    });
    process.stdout.write(doctor.stdout);

    step(`sf jwt-setup bootstrap ${bootstrapArgs.join(' ')}   (again: converges, changes nothing)`);
    const again = await sf.run(['jwt-setup', 'bootstrap', ...bootstrapArgs], { cwd: project, timeoutMs: 300_000 });
    process.stdout.write(again.stdout.split('\n').slice(0, 8).join('\n') + '\n');
    process.stdout.write(
      `\nHTTP requests the emulator saw: ${emulator.requestLog.length}; deploys: ${emulator.deploys().length}\n`,
    );
    if (display.code !== 0 || query.code !== 0 || doctor.code !== 0 || again.code !== 0) {
      throw new Error('the sf CLI could not use the org');
    }
  } finally {
    await emulator.stop();
    await sf.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
