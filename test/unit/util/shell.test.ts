/*
 * Printed commands: every argument comes back as given when a POSIX shell reads the line (checked with /bin/sh).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { shellArg, shellCommand } from '../../../src/util/shell.js';

const sh = promisify(execFile);

describe('util: shellCommand', () => {
  it('leaves safe words alone and quotes the rest', () => {
    expect(shellArg('ci@acme.example')).to.equal('ci@acme.example');
    expect(shellArg('/keys/server.key')).to.equal('/keys/server.key');
    expect(shellArg('my key.pem')).to.equal("'my key.pem'");
    expect(shellCommand('sf x', '--a', 'b c', false, undefined, { placeholder: '<admin>' })).to.equal(
      "sf x --a 'b c' <admin>",
    );
  });

  it('a shell reads every argument back exactly: spaces, quotes, $, backslashes, newlines', async () => {
    const values = ["it's", 'a b', '$HOME', '`id`', 'back\\slash', 'new\nline', '"dq"', '*', '', 'ü'];
    const line = shellCommand('printf "%s\\0"', ...values);
    const { stdout } = await sh('/bin/sh', ['-c', line]);
    expect(stdout.split('\0').slice(0, -1)).to.deep.equal(values);
  });
});
