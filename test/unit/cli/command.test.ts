/*
 * Every coded error exits 1, as the README says, whatever it wraps: sf-plugins-core reads a TypeError (undici's
 * "fetch failed", which the deploy library's errors carry) or a gack anywhere down the cause chain as exit 10 or 20.
 */
import { expect } from 'chai';
import { JwtSetupCommand } from '../../../src/cli/command.js';
import { jwtError } from '../../../src/errors.js';
import { runCommand } from '../../helpers/index.js';

class Wrapping extends JwtSetupCommand<void> {
  public static readonly summary = 'A command whose coded error wraps a foreign one.';
  public static cause: Error = new Error('x');

  public async run(): Promise<void> {
    await this.parse(Wrapping);
    throw jwtError('DeployFailed', ['CI_App', 'Failed', '- CI_App: request failed'], ['force-app'], Wrapping.cause);
  }
}

describe('cli: a coded error exits 1 whatever it wraps', () => {
  const causes: Array<[string, Error]> = [
    ['a TypeError (fetch failed)', new TypeError('fetch failed', { cause: new Error('other side closed') })],
    [
      'an error caused by a TypeError',
      new Error('Metadata API request failed', { cause: new TypeError('fetch failed') }),
    ],
    ['a gack', new Error('An unexpected error occurred. Error ID: 1234567890-12345 (-1234567)')],
  ];
  for (const [what, cause] of causes) {
    it(`${what}: exit 1, --json status 1`, async () => {
      Wrapping.cause = cause;
      const ran = await runCommand(Wrapping, ['--json']);
      expect(ran.exitCode).to.equal(1);
      const json = JSON.parse(ran.stdout) as Record<string, unknown>;
      expect(json).to.include({ code: 'DeployFailed', status: 1, exitCode: 1 });
    });
  }
});
