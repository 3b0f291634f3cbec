/*
 * The init hook's resolver against real package trees laid out as `sf plugins install` lays them out: the CLI with
 * its own @salesforce/core, and sf's data folder holding the plugin and, beside it, the plugin's own copy and a
 * dependency of the plugin that imports @salesforce/core too. Imports and requires are real; each case has its own
 * tree, because node caches modules by file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { shareHostPackages, type ShareResult } from '../../../src/hooks/host-packages.js';
import { tempDir } from '../../helpers/index.js';

type Tree = { cli: string; plugin: string; outside: string };

async function file(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** A fake @salesforce/core that says which copy it is (CommonJS, as the real one). */
async function core(dir: string, version: string, copy: string): Promise<void> {
  await file(join(dir, 'package.json'), JSON.stringify({ name: '@salesforce/core', version, main: 'lib/index.js' }));
  await file(
    join(dir, 'lib', 'index.js'),
    `class SfError extends Error {}\nmodule.exports = { copy: ${JSON.stringify(copy)}, SfError };\n`,
  );
}

async function tree(hostVersion: string | undefined): Promise<Tree> {
  const root = await tempDir('sfjwt-host-packages-');
  const cli = join(root, 'cli');
  await file(join(cli, 'package.json'), JSON.stringify({ name: '@salesforce/cli', version: '2.150.6' }));
  if (hostVersion) await core(join(cli, 'node_modules', '@salesforce', 'core'), hostVersion, 'host');
  const data = join(root, 'home', '.local', 'share', 'sf', 'node_modules');
  const plugin = join(data, 'sf-jwt-setup');
  await file(
    join(plugin, 'package.json'),
    JSON.stringify({
      name: 'sf-jwt-setup',
      type: 'module',
      dependencies: { '@salesforce/core': '^9.4.0', dep: '^1.0.0' },
    }),
  );
  await file(join(plugin, 'lib', 'esm.js'), "import core from '@salesforce/core';\nexport default core;\n");
  await file(join(plugin, 'lib', 'cjs.cjs'), "module.exports = require('@salesforce/core');\n");
  await file(join(plugin, 'lib', 'dep.js'), "import dep from 'dep';\nexport default dep;\n");
  await core(join(data, '@salesforce', 'core'), '9.4.2', 'own');
  await file(
    join(data, 'dep', 'package.json'),
    JSON.stringify({ name: 'dep', version: '1.0.0', main: 'index.js', dependencies: { '@salesforce/core': '^9.1.0' } }),
  );
  await file(join(data, 'dep', 'index.js'), "module.exports = require('@salesforce/core');\n");
  // someone else's code with its own copy: never redirected
  const outside = join(root, 'elsewhere');
  await file(
    join(outside, 'package.json'),
    JSON.stringify({ name: 'elsewhere', dependencies: { '@salesforce/core': '*' } }),
  );
  await core(join(outside, 'node_modules', '@salesforce', 'core'), '9.4.2', 'elsewhere');
  await file(join(outside, 'index.mjs'), "import core from '@salesforce/core';\nexport default core;\n");
  return { cli, plugin, outside };
}

type Core = { copy: string; SfError: new () => Error };
const load = async (path: string): Promise<Core> =>
  ((await import(pathToFileURL(path).href)) as { default: Core }).default;

describe('the init hook shares the running CLI’s @salesforce/core (src/hooks/host-packages.ts)', () => {
  let shared: ShareResult | undefined;
  afterEach(() => {
    if (shared?.status === 'registered') shared.deregister();
    shared = undefined;
  });

  it('when the CLI’s version satisfies the plugin’s range: the plugin’s imports and requires, and its dependencies’, get the CLI’s copy', async () => {
    const t = await tree('9.4.0');
    shared = shareHostPackages({ cliRoot: t.cli, pluginRoot: t.plugin });
    expect(shared.status).to.equal('registered');
    const hostCopy = createRequire(join(t.cli, 'package.json'))('@salesforce/core') as Core;
    const fromEsm = await load(join(t.plugin, 'lib', 'esm.js'));
    const fromCjs = await load(join(t.plugin, 'lib', 'cjs.cjs'));
    const fromDep = await load(join(t.plugin, 'lib', 'dep.js'));
    expect([fromEsm.copy, fromCjs.copy, fromDep.copy]).to.deep.equal(['host', 'host', 'host']);
    // one module, so one SfError class: instanceof holds between the CLI and the plugin
    expect(fromEsm).to.equal(hostCopy);
    expect(fromCjs).to.equal(hostCopy);
    expect(new fromEsm.SfError()).to.be.instanceOf(hostCopy.SfError);
    // code outside the plugin's install keeps what it resolves
    expect((await load(join(t.outside, 'index.mjs'))).copy).to.equal('elsewhere');
    if (shared.status !== 'registered') throw new Error('not registered');
    expect(shared.decisions.map((d) => [d.to, d.reason, d.range])).to.deep.include.members([
      ['host', 'satisfies', '^9.4.0'],
      ['host', 'satisfies', '^9.1.0'],
    ]);
  });

  it('when it does not: the plugin keeps its own copy', async () => {
    const t = await tree('9.3.0');
    shared = shareHostPackages({ cliRoot: t.cli, pluginRoot: t.plugin });
    const fromEsm = await load(join(t.plugin, 'lib', 'esm.js'));
    const fromCjs = await load(join(t.plugin, 'lib', 'cjs.cjs'));
    expect([fromEsm.copy, fromCjs.copy]).to.deep.equal(['own', 'own']);
    // the dependency declares ^9.1.0, which 9.3.0 satisfies: it gets the CLI's copy, as npm would have allowed
    expect((await load(join(t.plugin, 'lib', 'dep.js'))).copy).to.equal('host');
    if (shared.status !== 'registered') throw new Error('not registered');
    expect(shared.decisions.find((d) => d.importer.endsWith('esm.js'))).to.include({
      to: 'own',
      reason: 'range-not-satisfied',
      hostVersion: '9.3.0',
      range: '^9.4.0',
    });
  });

  it('when the CLI has no copy, or a prerelease: the plugin keeps its own', async () => {
    for (const version of [undefined, '9.5.0-beta.1']) {
      // eslint-disable-next-line no-await-in-loop
      const t = await tree(version);
      shared = shareHostPackages({ cliRoot: t.cli, pluginRoot: t.plugin });
      // eslint-disable-next-line no-await-in-loop
      expect((await load(join(t.plugin, 'lib', 'esm.js'))).copy, String(version)).to.equal('own');
      if (shared.status === 'registered') shared.deregister();
      shared = undefined;
    }
  });

  it('a linked checkout (the plugin is the CLI root) registers nothing; a second call in a process changes nothing', async () => {
    const t = await tree('9.4.0');
    expect(shareHostPackages({ cliRoot: t.plugin, pluginRoot: t.plugin }).status).to.equal('same-root');
    shared = shareHostPackages({ cliRoot: t.cli, pluginRoot: t.plugin });
    expect(shared.status).to.equal('registered');
    expect(shareHostPackages({ cliRoot: t.cli, pluginRoot: t.plugin }).status).to.equal('already');
  });
});
