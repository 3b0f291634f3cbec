/*
 * oclif.manifest.json is committed (sf installs read it instead of loading every command). `npm test` rebuilds it
 * before the tests run, so a committed manifest that is stale shows up as a difference from what git holds.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/index.js';

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

describe('oclif.manifest.json', () => {
  it('lists every command with the flags of its source', async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, { char?: string }> }>;
    };
    // Every command file, so a new command (or a forgotten one) cannot slip past.
    const names = (readdirSync(join(ROOT, 'src', 'commands', 'jwt-setup'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3));
    expect(names).to.include.members(['app', 'assertion', 'bootstrap', 'doctor', 'keygen', 'login']);
    const id = (name: string): string => `jwt-setup:${name.split(sep).join(':')}`;
    expect(Object.keys(manifest.commands).sort()).to.deep.equal(names.map(id).sort());
    for (const name of names) {
      // eslint-disable-next-line no-await-in-loop
      const command = (await import(`../../src/commands/jwt-setup/${name}.js`)) as {
        default: { flags: Record<string, { char?: string }> };
      };
      const entry = manifest.commands[id(name)];
      expect(entry, `jwt-setup:${name} is missing from the manifest: run npm run build`).to.not.equal(undefined);
      expect(Object.keys(entry.flags), `jwt-setup ${name} lost the global flags`).to.include.members([
        'json',
        'flags-dir',
      ]);
      for (const [flag, definition] of Object.entries(command.default.flags)) {
        expect(
          entry.flags[flag],
          `--${flag} of jwt-setup ${name} is missing from the manifest: run npm run build`,
        ).to.not.equal(undefined);
        expect(entry.flags[flag].char).to.equal(definition.char);
      }
    }
  });

  it('matches the committed copy (commit the rebuilt manifest)', function () {
    if (
      git(['rev-parse', '--is-inside-work-tree'])?.trim() !== 'true' ||
      git(['ls-files', 'oclif.manifest.json'])?.trim() !== 'oclif.manifest.json'
    ) {
      this.skip();
    }
    const diff = git(['diff', '--stat', '--', 'oclif.manifest.json']);
    expect(diff, 'the committed oclif.manifest.json is stale').to.equal('');
  });
});
