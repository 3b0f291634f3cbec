/*
 * The plugin installed the way the README's GitHub Actions step installs it, with the packed tarball (`npm pack`,
 * what would be published) in place of the registry name: a fresh HOME, no terminal (stdin /dev/null, output to
 * pipes), `sf plugins trust allowlist add --name file:<tarball>`, `sf plugins install file:<tarball>`, then
 * `sf jwt-setup login` with the README's environment variables and `sf jwt-setup doctor` against the emulator.
 *
 * This is the one suite that needs the network beyond 127.0.0.1: `sf plugins install` fetches the tarball's
 * dependencies from the npm registry (about 30 s on a 2-core machine; the timeouts allow 10 minutes).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { satisfies } from '../../src/hooks/version-range.js';
import {
  ROOT,
  SF_RUN_JS,
  tempDir,
  describeStep,
  installPacked,
  isolatedSfEnv,
  packPlugin,
  packedFileList,
  runNoTty,
  sfNoTty,
  type InstalledPlugin,
  type Step,
} from '../helpers/index.js';

type PackageJson = { dependencies: Record<string, string> };

const CLIENT_ID = '3MVG9PackedInstallConsumerKey0123456789';
const USER = 'ci@acme.com';

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => join(e.parentPath, e.name));
}

/** Package name of a bare import specifier ('@scope/x/y' -> '@scope/x', 'x/y' -> 'x'); undefined for relative ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('the packed tarball', function () {
  this.timeout(300_000);
  let files: string[];

  before(async () => {
    files = await packedFileList();
  });

  it('npm pack --dry-run lists only the product: compiled lib (.js, .d.ts), messages, schemas, the manifest, package.json, README', async () => {
    const expected = [
      /^lib\/.+\.(js|d\.ts)$/,
      /^messages\/[\w.-]+\.md$/,
      /^schemas\/[\w.-]+\.json$/,
      /^oclif\.manifest\.json$/,
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE(\.\w+)?$/,
    ];
    const unexpected = files.filter((f) => !expected.some((re) => re.test(f)));
    expect(unexpected, 'files in the tarball that the product does not need').to.deep.equal([]);
    expect(files.filter((f) => /(^|\/)(test|bench|src|scripts)\/|\.map$|\.ts$(?<!\.d\.ts)/.test(f))).to.deep.equal([]);

    // lib is exactly the compiled src: nothing missing, nothing stale from a file that no longer exists
    const sources = (await filesUnder(join(ROOT, 'src'), '.ts')).map((f) =>
      relative(join(ROOT, 'src'), f).split(sep).join('/'),
    );
    const compiled = sources.map((s) => `lib/${s.replace(/\.ts$/, '.js')}`).sort();
    expect(files.filter((f) => f.startsWith('lib/') && f.endsWith('.js'))).to.deep.equal(compiled);

    // every command the manifest names, and every message file, is in it
    const manifest = JSON.parse(await readFile(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { relativePath: string[] }>;
    };
    for (const [id, command] of Object.entries(manifest.commands))
      expect(files, id).to.include(command.relativePath.join('/'));
    for (const message of await readdir(join(ROOT, 'messages'))) expect(files).to.include(`messages/${message}`);
  });

  it('every package the compiled code imports is a runtime dependency, not a devDependency', async () => {
    const pjson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const imported = new Map<string, string>();
    for (const file of files.filter((f) => f.startsWith('lib/') && f.endsWith('.js'))) {
      // eslint-disable-next-line no-await-in-loop
      const code = await readFile(join(ROOT, file), 'utf8');
      const patterns = [
        /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
        /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
        /^\s*import\s*['"]([^'"]+)['"]/gm,
      ];
      for (const re of patterns) for (const m of code.matchAll(re)) imported.set(m[1], file);
    }
    expect(imported.size, 'no imports found: the scan is broken').to.be.greaterThan(5);
    const missing = [...imported]
      .map(([specifier, file]) => ({ specifier, file, pkg: packageOf(specifier) }))
      .filter(({ pkg }) => pkg !== undefined && !builtins.has(pkg) && !(pkg in pjson.dependencies));
    expect(missing, 'imported by lib/ but not in package.json dependencies').to.deep.equal([]);
  });
});

describe('installed as the README pipeline step installs it: packed tarball, fresh HOME, no terminal', function () {
  this.timeout(900_000);
  let root: string;
  let tarball: string;
  let packStep: Step;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let installed: InstalledPlugin;
  let emulator: SalesforceEmulator;
  let keyBase64: string;

  before(async () => {
    root = await tempDir('sf-jwt-setup-install-');
    await mkdir(join(root, 'pack'));
    ({ tarball, step: packStep } = await packPlugin(join(root, 'pack')));
    home = join(root, 'home');
    await mkdir(home);
    env = isolatedSfEnv(home);
    const creds = await makeCredentials('packed install');
    keyBase64 = Buffer.from(creds.privateKeyPem).toString('base64');
    emulator = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [{ username: USER, permissionSets: ['CI'] }],
    });
  });

  after(async () => {
    await emulator?.stop();
  });

  it('without the allowlist step, sf plugins install stops at the signature prompt and fails (the bug this step fixes)', async () => {
    const bare = join(root, 'home-no-allowlist');
    await mkdir(bare);
    const run = await sfNoTty(['plugins', 'install', `file:${tarball}`], {
      env: isolatedSfEnv(bare),
      cwd: bare,
      timeoutMs: 120_000,
    });
    expect(run.code, describeStep(run)).to.equal(1);
    // the prompt is wrapped at the terminal width and carries cursor movements: compare it without them
    // eslint-disable-next-line no-control-regex
    const output = (run.stdout + run.stderr).replace(/\x1b\[[\d;?]*[A-Za-z]/g, '').replace(/\n/g, '');
    expect(output).to.include("isn't signed by Salesforce");
    expect(output).to.include('User force closed the prompt');
    expect(existsSync(join(bare, '.local', 'share', 'sf', 'node_modules', 'sf-jwt-setup'))).to.equal(false);
  });

  it('sf plugins trust allowlist add keeps the entries already in the allowlist', async () => {
    const other = join(root, 'home-allowlist');
    const configDir = join(other, '.config', 'sf');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'unsignedPluginAllowList.json'), JSON.stringify(['@acme/other-plugin']));
    const run = await sfNoTty(['plugins', 'trust', 'allowlist', 'add', '--name', 'sf-jwt-setup'], {
      env: isolatedSfEnv(other),
      cwd: other,
    });
    expect(run.code, describeStep(run)).to.equal(0);
    expect(JSON.parse(await readFile(join(configDir, 'unsignedPluginAllowList.json'), 'utf8'))).to.deep.equal([
      '@acme/other-plugin',
      'sf-jwt-setup',
    ]);
  });

  it('allowlist + install succeed with no terminal; the plugin is a user plugin installed under HOME, not a link to the checkout', async () => {
    installed = await installPacked(tarball, env, home);
    process.stderr.write(
      `      npm pack ${Math.round(packStep.wallMs / 1000)} s, allowlist ${Math.round(installed.allowlist.wallMs)} ms, ` +
        `install ${Math.round(installed.install.wallMs / 1000)} s (npm registry)\n`,
    );
    expect(installed.allowlist.stdout).to.include('added');
    const allowlist = JSON.parse(
      await readFile(join(home, '.config', 'sf', 'unsignedPluginAllowList.json'), 'utf8'),
    ) as string[];
    expect(allowlist).to.deep.equal([`file:${tarball}`]);
    expect(installed.install.stdout + installed.install.stderr).to.include('is allow-listed');
    expect(installed.install.stdout + installed.install.stderr).to.match(/installed v\d+\.\d+\.\d+/);

    const expectedRoot = join(home, '.local', 'share', 'sf', 'node_modules', 'sf-jwt-setup');
    expect(installed.type).to.equal('user');
    expect(installed.root).to.equal(expectedRoot);
    expect(installed.isSymlink).to.equal(false);
    expect(installed.realRoot).to.equal(expectedRoot);
    expect(existsSync(join(expectedRoot, 'src')), 'no sources installed').to.equal(false);
    expect(existsSync(join(expectedRoot, 'lib', 'commands', 'jwt-setup', 'login.js'))).to.equal(true);
  });

  it('every compiled module loads from the installed root, with the dependencies installed beside it', async function () {
    if (!installed) this.skip();
    const modules = await filesUnder(join(installed.root, 'lib'), '.js');
    const script = `for (const f of ${JSON.stringify(modules.map((m) => pathToFileURL(m).href))}) await import(f); console.log('loaded', ${modules.length});`;
    // cwd and HOME are the temp folder: nothing resolves through the checkout's node_modules
    const run = await runNoTty(process.execPath, ['--input-type=module', '-e', script], {
      env,
      cwd: home,
      timeoutMs: 60_000,
    });
    expect(run.code, describeStep(run)).to.equal(0);
    expect(run.stdout).to.include(`loaded ${modules.length}`);
    expect(modules.length).to.be.greaterThan(10);
  });

  it('libsodium (for --push github:…) loads through its ESM entry from the install, lazily, and seals as GitHub opens', async function () {
    if (!installed) this.skip();
    // A module beside the installed seal.js, so that its imports resolve as the plugin's own do (ESM conditions).
    const script = join(installed.root, 'lib', 'push', 'sodium-check.mjs');
    await writeFile(
      script,
      "const resolved = import.meta.resolve('libsodium-wrappers');\n" +
        "const { sodium, sealForGitHub } = await import('./seal.js');\n" +
        'const lib = await sodium();\n' +
        'const pair = lib.crypto_box_keypair();\n' +
        "const sealed = await sealForGitHub('sealed value', lib.to_base64(pair.publicKey, lib.base64_variants.ORIGINAL));\n" +
        'const opened = lib.to_string(lib.crypto_box_seal_open(lib.from_base64(sealed, lib.base64_variants.ORIGINAL), pair.publicKey, pair.privateKey));\n' +
        'console.log(JSON.stringify({ resolved, opened }));\n',
    );
    const run = await runNoTty(process.execPath, [script], { env, cwd: home, timeoutMs: 60_000 });
    expect(run.code, describeStep(run)).to.equal(0);
    const { resolved, opened } = JSON.parse(run.stdout) as { resolved: string; opened: string };
    expect(opened).to.equal('sealed value');
    expect(resolved).to.match(/\/libsodium-wrappers\/dist\/modules-esm\/libsodium-wrappers\.mjs$/);
    expect(resolved.startsWith(pathToFileURL(join(home, '.local', 'share', 'sf', 'node_modules')).href)).to.equal(true);
    // Lazily: only seal.js names it, in a dynamic import, and seal.js runs only when a GitHub target is pushed.
    const modules = await filesUnder(join(installed.root, 'lib'), '.js');
    const texts = await Promise.all(
      modules.map(async (f) => [relative(installed.root, f), await readFile(f, 'utf8')] as const),
    );
    const naming = texts.filter(([, text]) => text.includes('libsodium-wrappers'));
    expect(naming.map(([f]) => f)).to.deep.equal(['lib/push/seal.js']);
    expect(naming[0][1])
      .to.include("import('libsodium-wrappers')")
      .and.not.match(/^import .*libsodium-wrappers/m);
  });

  it('the README step: sf jwt-setup login with SF_JWT_* (the key as base64) runs from the installed lib/ and registers the org', async function () {
    if (!installed) this.skip();
    // Records every module the sf process loads, import and require alike (module.registerHooks' load hook sees the
    // final file, after any resolve hook, the plugin's included, has chosen it); main thread only.
    const loadedLog = join(root, 'loaded.txt');
    const recorder = join(root, 'record-loads.cjs');
    await writeFile(
      recorder,
      "'use strict';\n" +
        "const { appendFileSync } = require('node:fs');\n" +
        "if (require('node:worker_threads').isMainThread) {\n" +
        "  require('node:module').registerHooks({\n" +
        '    load(url, context, next) {\n' +
        `      appendFileSync(${JSON.stringify(loadedLog)}, url + '\\n');\n` +
        '      return next(url, context);\n' +
        '    },\n' +
        '  });\n' +
        '}\n',
    );
    const loginEnv = {
      ...env,
      SF_JWT_CLIENT_ID: CLIENT_ID,
      SF_JWT_USERNAME: USER,
      SF_JWT_INSTANCE_URL: emulator.url,
      SF_JWT_KEY: keyBase64,
      NODE_OPTIONS: `--require ${recorder} --require ${join(ROOT, 'bench', 'harness', 'rusage-preload.cjs')}`,
      BENCH_RUSAGE_FILE: join(root, 'login-usage.json'),
    };
    const login = await sfNoTty(['jwt-setup', 'login', '--alias', 'ci', '--set-default', '--wait', '5', '--json'], {
      env: loginEnv,
      cwd: home,
    });
    expect(login.code, describeStep(login)).to.equal(0);
    const result = (JSON.parse(login.stdout) as { result: Record<string, unknown> }).result;
    expect(result).to.include({ username: USER, clientId: CLIENT_ID, alias: 'ci' });
    expect(login.stdout + login.stderr).not.to.include(keyBase64.slice(0, 40));
    // One log-file worker for the process: the installed plugin logs through sf's logger, not a second file of its own
    // (each worker is waited for at exit; a second one made the installed login's exit tail ~900 ms longer).
    const usage = JSON.parse(await readFile(join(root, 'login-usage.json'), 'utf8')) as { workers: string[] };
    expect(usage.workers.length, JSON.stringify(usage.workers)).to.equal(1);

    const loaded = [...new Set((await readFile(loadedLog, 'utf8')).trim().split('\n'))];
    const installedUrl = pathToFileURL(installed.root).href + '/';
    const dataDirUrl = pathToFileURL(join(home, '.local', 'share', 'sf', 'node_modules')).href + '/';
    const checkoutUrl = pathToFileURL(ROOT).href + '/';
    const plugin = loaded.filter((u) => u.includes('/sf-jwt-setup/'));
    expect(plugin, 'the login command that ran').to.include(`${installedUrl}lib/commands/jwt-setup/login.js`);
    expect(
      plugin.filter((u) => !u.startsWith(`${installedUrl}lib/`) && !u.startsWith(`${installedUrl}package.json`)),
    ).to.deep.equal([]);
    // the checkout contributes sf itself (its node_modules) and nothing else: not its lib/, not its src/ (the rusage
    // preload this test adds is the one exception)
    const preload = pathToFileURL(join(ROOT, 'bench', 'harness', 'rusage-preload.cjs')).href;
    expect(
      loaded.filter((u) => u.startsWith(checkoutUrl) && !u.startsWith(`${checkoutUrl}node_modules/`) && u !== preload),
      'modules from the checkout',
    ).to.deep.equal([]);
    // the plugin's own dependencies come from the install, beside it
    expect(
      loaded.some((u) => u.startsWith(`${dataDirUrl}jose/`)),
      'jose from the installed node_modules',
    ).to.equal(true);
    // One copy of each shared package in the process when the running sf's satisfies the plugin's range (the init
    // hook's resolver, src/hooks/host-packages.ts): sf's own, not a second one from the install.
    const copiesOf = (name: string): string[] => {
      const marker = `/node_modules/${name}/`;
      return [
        ...new Set(loaded.filter((u) => u.includes(marker)).map((u) => u.slice(0, u.indexOf(marker) + marker.length))),
      ];
    };
    const pluginDeps = (JSON.parse(await readFile(join(installed.root, 'package.json'), 'utf8')) as PackageJson)
      .dependencies;
    const sfRequire = createRequire(join(SF_RUN_JS, '..', '..', 'package.json'));
    const shared: Record<string, boolean> = {};
    for (const name of ['@salesforce/core', '@salesforce/sf-plugins-core']) {
      // sf's copy: the one node's lookup from sf's root finds (its main is lib/index.js; package.json is not exported)
      const sfDir = dirname(dirname(sfRequire.resolve(name)));
      // eslint-disable-next-line no-await-in-loop
      const sfVersion = (JSON.parse(await readFile(join(sfDir, 'package.json'), 'utf8')) as { version: string })
        .version;
      const range = pluginDeps[name];
      shared[name] = satisfies(sfVersion, range);
      const sfCopy = pathToFileURL(sfDir).href + '/';
      if (shared[name]) {
        expect(copiesOf(name), `sf's ${name} ${sfVersion} satisfies ${range}`).to.deep.equal([sfCopy]);
      } else {
        expect(copiesOf(name), `sf's ${name} ${sfVersion} does not satisfy ${range}`).to.include(
          `${dataDirUrl}${name}/`,
        );
      }
    }
    // sf-plugins-core from sf brings sf's oclif, which sf has loaded at start (sf's own plugins' hooks may load
    // another copy of theirs): no @oclif/core from the install
    if (shared['@salesforce/sf-plugins-core']) {
      const oclifCopies = copiesOf('@oclif/core');
      expect(oclifCopies.length, 'an @oclif/core').to.be.greaterThan(0);
      expect(
        oclifCopies.filter((u) => u.startsWith(dataDirUrl)),
        '@oclif/core from the install',
      ).to.deep.equal([]);
    }
    // The first module of the plugin to load is its init hook, the resolver before any command module.
    const firstOfPlugin = loaded.find((u) => u.startsWith(installedUrl));
    expect(firstOfPlugin).to.equal(`${installedUrl}lib/hooks/init.js`);

    // the real sf refreshes the expired token from what the installed plugin registered
    const issued = emulator.issuedTokenCount();
    emulator.expireAllTokens();
    const display = await sfNoTty(['org', 'display', '--target-org', 'ci', '--json'], { env, cwd: home });
    expect(display.code, describeStep(display)).to.equal(0);
    expect(emulator.issuedTokenCount(), 'a token refresh by sf').to.be.greaterThan(issued);
    expect((JSON.parse(display.stdout) as { result: { connectedStatus: string } }).result.connectedStatus).to.equal(
      'Connected',
    );
  });

  it('the README step: sf jwt-setup doctor with the same variables passes every check', async function () {
    if (!installed) this.skip();
    const doctorEnv = {
      ...env,
      SF_JWT_CLIENT_ID: CLIENT_ID,
      SF_JWT_USERNAME: USER,
      SF_JWT_INSTANCE_URL: emulator.url,
      SF_JWT_KEY: keyBase64,
    };
    const doctor = await sfNoTty(['jwt-setup', 'doctor', '--json'], { env: doctorEnv, cwd: home });
    expect(doctor.code, describeStep(doctor)).to.equal(0);
    const result = (
      JSON.parse(doctor.stdout) as { result: { ok: boolean; checks: Array<{ id: string; status: string }> } }
    ).result;
    expect(result.ok).to.equal(true);
    expect(result.checks.find((c) => c.id === 'exchange')?.status).to.equal('pass');
    expect(result.checks.find((c) => c.id === 'api')?.status).to.equal('pass');
  });

  it('bootstrap runs from the installed plugin, with the metadata library installed beside it', async function () {
    if (!installed) this.skip();
    emulator.addUser({ username: 'admin@acme.example' });
    emulator.addUser({ username: 'pipeline@acme.example', permissionSets: [] });
    const admin = await sfNoTty(
      ['org', 'login', 'access-token', '--instance-url', emulator.url, '--no-prompt', '--alias', 'admin', '--json'],
      {
        env: { ...env, SF_ACCESS_TOKEN: emulator.issueAccessToken('admin@acme.example').access_token },
        cwd: home,
      },
    );
    expect(admin.code, describeStep(admin)).to.equal(0);
    const project = join(root, 'project');
    await mkdir(project);
    const run = await sfNoTty(
      [
        'jwt-setup',
        'bootstrap',
        '--target-org',
        'admin',
        '--username',
        'pipeline@acme.example',
        '--app',
        'Installed_App',
        '--json',
      ],
      { env, cwd: project, timeoutMs: 300_000 },
    );
    expect(run.code, describeStep(run)).to.equal(0);
    const result = (JSON.parse(run.stdout) as { result: Record<string, unknown> }).result;
    expect(result).to.include({ app: 'Installed_App', username: 'pipeline@acme.example', assignment: 'created' });
    expect(
      existsSync(join(installed.root, 'node_modules', '@salesforce', 'source-deploy-retrieve')) ||
        existsSync(join(home, '.local', 'share', 'sf', 'node_modules', '@salesforce', 'source-deploy-retrieve')),
    ).to.equal(true);
    expect(emulator.deploys().filter((d) => d.status === 'Succeeded').length).to.be.greaterThan(0);
  });
});
