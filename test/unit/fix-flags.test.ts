/*
 * Every flag a fix names exists on the command that gives the fix (issue 19 #7: `bootstrap -f encrypted.key` said to
 * use --passphrase-env, which bootstrap did not have).
 *
 * Which codes a command can give is read from the source: the modules its command file imports (statically or
 * lazily, type-only imports aside), and every jwtError('<Code>' they raise. The flags a fix names are the `--flag`s in
 * the code's actions (messages/errors.md) and in the reasons a module passes as actions (`reason('….fix.…')`), except
 * inside a quoted `sf …` command, which names another command's flags: those must exist on that command. The few codes
 * a module raises only on a path the command never takes are listed below, each with why.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../helpers/index.js';

type Manifest = { commands: Record<string, { flags: Record<string, unknown> }> };
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as Manifest;

/** `# Key` sections of a messages file. */
function sections(file: string): Map<string, string> {
  const out = new Map<string, string>();
  let key: string | undefined;
  for (const line of readFileSync(join(ROOT, 'messages', file), 'utf8').split('\n')) {
    const heading = /^# (\S+)$/.exec(line);
    if (heading) {
      key = heading[1];
      out.set(key, '');
    } else if (key) out.set(key, `${out.get(key) ?? ''}${line}\n`);
  }
  return out;
}
const errors = sections('errors.md');
// reason('a.b') fragments live in messages/reasons-<domain>.md (src/errors.ts), one map of them all
const reasons = new Map(
  readdirSync(join(ROOT, 'messages'))
    .filter((f) => /^reasons-.+\.md$/.test(f))
    .flatMap((f) => [...sections(f)]),
);

/** The flags a fix names for its own command, and the `sf <topic> <command>` quoted with the flags it names. */
function flagsNamed(text: string): { own: string[]; quoted: Array<{ command: string; flags: string[] }> } {
  const quoted: Array<{ command: string; flags: string[] }> = [];
  const unquoted = text.replace(/`([^`]*)`/g, (_whole, inner: string) => {
    const command = /^sf (jwt-setup(?: [a-z][a-z-]*)+)/.exec(inner);
    if (!command) return /^(sf|openssl|base64|echo) /.test(inner) ? '' : inner;
    quoted.push({
      command: command[1].replaceAll(' ', ':'),
      flags: [...inner.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((m) => m[1]),
    });
    return '';
  });
  return { own: [...unquoted.matchAll(/(?:^|[\s(])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]), quoted };
}

/** Every module the command file reaches (imports and lazy imports; `import type` carries no code). */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/^(?!import type)(?:import|export)[^;]*?from\s*'(\.[^']+)\.js'/gm),
    ...source.matchAll(/import\(\s*'(\.[^']+)\.js'\s*\)/g),
  ].map((m) => m[1]);
  for (const spec of specifiers) {
    const target = resolve(dirname(file), `${spec}.ts`);
    if (existsSync(target)) reach(target, seen);
  }
  return seen;
}

/**
 * Codes a reached module raises only on a path this command never takes (the module serves other commands too).
 * Each entry: the command, the codes, and why they cannot reach its user.
 */
const NOT_RAISED: Array<{ commands: string[]; codes: string[]; reasons?: string[]; why: string }> = [
  {
    commands: ['app', 'keygen', 'bootstrap', 'rotate'],
    codes: ['KeyEnvUnset', 'KeyEnvLooksLikePath', 'KeySourceMissing'],
    why: 'keys are read from files only; a key in a variable is for login, doctor and assertion',
  },
  {
    commands: ['app'],
    codes: ['KeyFileNotFound', 'KeyEncryptedNoPassphrase', 'KeyOpensslEncNoPassphrase', 'PassphraseEnvUnset'],
    why: 'app reads a certificate, never a key (the key loader is reached only through shared certificate code)',
  },
  {
    commands: ['bootstrap', 'rotate'],
    codes: [
      'MissingClientId',
      'RequestTimeout',
      'InvalidKeySize',
      'InvalidFileName',
      'FilesExist',
      'OutputDirUnwritable',
    ],
    why:
      "the consumer key and the key size and names are the command's own; a login that times out is reported as " +
      'VerificationFailed, RotationPreflightFailed or RotationRolledBack; key files are written only under new names',
  },
  {
    commands: ['rotate'],
    codes: ['InvalidProfileName', 'InvalidEmail', 'InvalidConsumerKey', 'ConnectedAppCreationBlocked'],
    why: 'rotate changes the certificate of an existing app: it writes no app, profile or contact, makes no app',
  },
  {
    commands: ['login', 'doctor'],
    codes: ['OutputDirUnwritable', 'FilesExist'],
    why: 'the key copy in the sf state folder is written by the store, which names its own folder',
  },
  {
    commands: ['doctor'],
    codes: ['InvalidProfileName', 'InvalidEmail', 'InvalidConsumerKey'],
    why: 'doctor reads apps, it never validates inputs for a new one',
  },
  {
    commands: ['keygen'],
    codes: ['PermissionSetNameRequired', 'InvalidProfileName', 'InvalidConsumerKey'],
    why: 'keygen --app makes an app with a new consumer key and the default permission set, never a profile',
  },
  {
    commands: ['assertion'],
    codes: ['RequestTimeout'],
    why: 'assertion makes or checks an assertion, offline',
  },
  {
    commands: ['fleet:login', 'fleet:check'],
    codes: [
      'MissingClientId',
      'MissingUsername',
      'KeySourceMissing',
      'KeyEnvUnset',
      'PassphraseEnvUnset',
      'KeyEnvLooksLikePath',
      'KeyOpensslEncNoPassphrase',
      'KeyEncryptedNoPassphrase',
      'OutputDirUnwritable',
      'FilesExist',
    ],
    why:
      "a fleet reports an org's failure by login's code and message, not login's fix: the manifest's keys " +
      '(clientId, jwtKeyFile, jwtKeyEnv, passphraseEnv) are the way, and a missing one is ManifestInvalid first',
  },
  {
    commands: ['fleet:rotate'],
    codes: [
      'PassphraseEnvUnset',
      'KeyEnvUnset',
      'KeyEnvLooksLikePath',
      'KeyOpensslEncNoPassphrase',
      'KeyEncryptedNoPassphrase',
      'RequestTimeout',
      'FilesExist',
      'InvalidFileName',
      'AppNotFound',
      'InvalidProfileName',
      'InvalidEmail',
      'InvalidConsumerKey',
      'MissingClientId',
      'MissingUsername',
      'KeySourceMissing',
      'ConnectedAppCreationBlocked',
    ],
    reasons: [
      'rotate.fix.newKeyEncrypted',
      'rotate.fix.keyNeeded',
      'rotate.fix.certificateMismatch',
      'rotate.fix.loginFailed',
    ],
    why:
      "fleet rotate reports each org's refusal by its code and message in the per-org report (rotate's own steps, " +
      "whose fixes name rotate's and login's flags); the fleet's fix is its own (the manifest's keys, --only)",
  },
];

describe('every flag a fix names exists on the command that gives it', () => {
  for (const [id, command] of Object.entries(manifest.commands)) {
    const name = id.split(':').slice(1).join(':');
    it(`sf ${id.replace(':', ' ')}`, () => {
      const file = join(ROOT, 'src', 'commands', ...id.split(':')) + '.ts';
      const modules = reach(file);
      const codes = new Set<string>();
      const fixReasons = new Set<string>();
      for (const module of modules) {
        const source = readFileSync(module, 'utf8');
        for (const m of source.matchAll(/jwtError\(\s*'(\w+)'/g)) codes.add(m[1]);
        for (const m of source.matchAll(/reason\(\s*'([\w.-]*fix[\w.-]*)'/g)) fixReasons.add(m[1]);
      }
      const mine = NOT_RAISED.filter((n) => n.commands.includes(name));
      const skipped = new Set(mine.flatMap((n) => n.codes));
      const skippedReasons = new Set(mine.flatMap((n) => n.reasons ?? []));
      const texts: Array<[string, string]> = [
        ...[...codes]
          .filter((c) => !skipped.has(c))
          .map((c): [string, string] => [c, errors.get(`${c}.actions`) ?? '']),
        ...[...fixReasons]
          .filter((r) => !skippedReasons.has(r))
          .map((r): [string, string] => [r, reasons.get(r) ?? '']),
      ];
      const problems: string[] = [];
      for (const [where, text] of texts) {
        const { own, quoted } = flagsNamed(text);
        for (const flag of own) if (!(flag in command.flags)) problems.push(`${where}: --${flag}`);
        for (const q of quoted) {
          const other = manifest.commands[q.command];
          if (!other) problems.push(`${where}: no command ${q.command}`);
          else
            for (const flag of q.flags) if (!(flag in other.flags)) problems.push(`${where}: ${q.command} --${flag}`);
        }
      }
      expect(problems, `fixes of ${id} that name a flag it lacks`).to.deep.equal([]);
    });
  }

  it('the parser finds flags, and tells a quoted sf command from the command itself', () => {
    expect(
      flagsNamed('Use --passphrase-env, for example `--passphrase-env X`, or `sf jwt-setup doctor --admin-org a`.'),
    ).to.deep.equal({
      own: ['passphrase-env', 'passphrase-env'],
      quoted: [{ command: 'jwt-setup:doctor', flags: ['admin-org'] }],
    });
  });

  it('every exclusion names codes of the table and commands that exist', () => {
    for (const entry of NOT_RAISED) {
      for (const code of entry.codes) expect(errors.has(code), code).to.equal(true);
      for (const key of entry.reasons ?? []) expect(reasons.has(key), key).to.equal(true);
      for (const c of entry.commands) expect(manifest.commands[`jwt-setup:${c}`], c).to.not.equal(undefined);
    }
  });
});
