import { expect } from 'chai';
import { concernsPlugin } from '../../../src/hooks/init.js';

describe('the init hook acts for this plugin only (src/hooks/init.ts)', () => {
  it('this plugin’s commands in any word order, and sf doctor (which runs its diagnostics hook)', () => {
    for (const id of ['jwt-setup:login', 'login:jwt-setup', 'jwt-setup:doctor', 'jwt-setup', 'doctor'])
      expect(concernsPlugin(id), id).to.equal(true);
  });

  it('not sf’s own commands, so they load nothing more than this one small module', () => {
    for (const id of ['org:login:jwt', 'org:list', 'plugins:install', 'help', 'jwt', undefined])
      expect(concernsPlugin(id), String(id)).to.equal(false);
  });
});
