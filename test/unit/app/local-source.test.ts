/*
 * The app's committed source during a rotation (issue 19 #2): found in every package folder of sfdx-project.json or
 * in the folders given, the certificate element's text replaced and every other byte kept, another org's file (another
 * consumer key) left alone, and the whole set written together and put back by a rollback.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { findLocalSource, updateLocalSource, withCertificate } from '../../../src/app/local-source.js';
import { restoreFiles } from '../../../src/util/files.js';
import { tempDir } from '../../helpers/index.js';

const OLD = '-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----';
const NEW = '-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n';

const eca = (key?: string, eol = '\n'): string =>
  [
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>',
    '<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">',
    '  <!-- kept -->',
    `  <certificate>${OLD}</certificate>`,
    ...(key ? [`  <consumerKey>${key}</consumerKey>`] : []),
    '  <externalClientApplication>CI_Deploy</externalClientApplication>',
    '</ExtlClntAppGlobalOauthSettings>',
    '',
  ].join(eol);

const connected = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">',
  '    <samlConfig><certificate>SAML</certificate></samlConfig>',
  `    <oauthConfig><callbackUrl>x</callbackUrl><certificate>${OLD}</certificate></oauthConfig>`,
  '</ConnectedApp>',
  '',
].join('\n');

describe('app: local source of a rotation', () => {
  it('replaces only the certificate text: BOM, CRLF, comments and a missing consumer key stay as they were', () => {
    const before = eca(undefined, '\r\n');
    expect(withCertificate(before, 'external', NEW)).to.equal(before.replace(OLD, NEW.trim()));
  });

  it("a Connected App's oauthConfig certificate, never its SAML one", () => {
    expect(withCertificate(connected, 'connected', NEW)).to.equal(connected.replace(OLD, NEW.trim()));
  });

  it('finds the file in every packageDirectories entry, skips another consumer key, writes all and restores all', async () => {
    const root = await tempDir();
    await writeFile(
      join(root, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app' }, { path: 'pkgs/second' }, { path: 'empty' }] }),
    );
    const folder = 'main/default/extlClntAppGlobalOauthSets';
    const name = 'CI_Deploy_glbloauth.ecaGlblOauth-meta.xml';
    const a = join(root, 'force-app', folder, name);
    const b = join(root, 'pkgs/second', folder, name);
    const other = join(root, 'pkgs/second/elsewhere', name);
    const outside = join(root, 'not-a-package', name);
    await Promise.all([a, b, other, outside].map((f) => mkdir(join(f, '..'), { recursive: true })));
    await writeFile(a, eca('KEY12345'), { mode: 0o640 });
    await writeFile(b, eca());
    await writeFile(other, eca('OTHERKEY1'));
    await writeFile(outside, eca('KEY12345'));

    const found = await findLocalSource({ app: 'CI_Deploy', kind: 'external', consumerKey: 'KEY12345', cwd: root });
    expect(found.searched).to.deep.equal(['force-app', 'pkgs/second', 'empty'].map((d) => join(root, d)));
    expect(found.files.map((f) => f.path)).to.deep.equal([a, b].sort());
    expect(found.skipped.map((s) => s.path)).to.deep.equal([other]);

    const before = await updateLocalSource(found, 'external', NEW);
    expect(await readFile(a, 'utf8')).to.equal(eca('KEY12345').replace(OLD, NEW.trim()));
    expect(await readFile(b, 'utf8')).to.equal(eca().replace(OLD, NEW.trim()));
    expect((await stat(a)).mode & 0o777).to.equal(0o640);
    expect(await readFile(other, 'utf8')).to.equal(eca('OTHERKEY1'));
    expect(await readFile(outside, 'utf8')).to.equal(eca('KEY12345'));

    await restoreFiles(before);
    expect(await readFile(a, 'utf8')).to.equal(eca('KEY12345'));
    expect(await readFile(b, 'utf8')).to.equal(eca());
  });

  it('--source-dir replaces the package folders; no project and no folder: nothing searched', async () => {
    const root = await tempDir();
    const dir = join(root, 'meta');
    await mkdir(join(dir, 'connectedApps'), { recursive: true });
    await writeFile(join(dir, 'connectedApps', 'Old_App.connectedApp-meta.xml'), connected);
    const given = await findLocalSource({
      app: 'Old_App',
      kind: 'connected',
      consumerKey: 'K1234567',
      sourceDirs: ['meta'],
      cwd: root,
    });
    expect(given.files.map((f) => f.path)).to.deep.equal([join(dir, 'connectedApps', 'Old_App.connectedApp-meta.xml')]);
    const none = await findLocalSource({ app: 'Old_App', kind: 'connected', consumerKey: 'K1234567', cwd: root });
    expect(none).to.deep.equal({ searched: [], files: [], skipped: [] });
  });
});
