/*
 * The reasons are split by domain (messages/reasons-<domain>.md); reason('a.b') finds a key in the file its prefix
 * names. Every key of every file must be found where it is, and no key may be in two files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { reason } from '../../src/errors.js';
import { ROOT } from '../helpers/index.js';

const DIR = join(ROOT, 'messages');

describe('messages/reasons-<domain>.md', () => {
  const files = readdirSync(DIR).filter((f) => /^reasons-[\w-]+\.md$/.test(f));

  it('are the only reason files (the single reasons.md is gone)', () => {
    expect(files.length).to.be.greaterThan(3);
    expect(readdirSync(DIR)).not.to.include('reasons.md');
  });

  it('every key is found by reason() in the file it is in, and is in one file only', () => {
    const seen = new Map<string, string>();
    for (const file of files) {
      const keys = [...readFileSync(join(DIR, file), 'utf8').matchAll(/^# (\S+)$/gm)].map((m) => m[1]);
      expect(keys.length, file).to.be.greaterThan(0);
      for (const key of keys) {
        expect(seen.get(key), `${key} in ${file} and ${seen.get(key)}`).to.equal(undefined);
        seen.set(key, file);
        expect(() => reason(key, ['x', 'y', 'z', 'w']), `${key} (${file})`).not.to.throw();
      }
    }
  });

  it("every literal reason('key') in src/ is found", () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const path = join(dir, n);
        return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
      });
    const keys = new Set<string>();
    for (const file of sources(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\breason\('([\w.-]+)'/g)) keys.add(m[1]);
    }
    expect(keys.size).to.be.greaterThan(50);
    for (const key of keys) expect(() => reason(key, ['x', 'y', 'z', 'w']), key).not.to.throw();
  });
});
