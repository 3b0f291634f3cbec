/*
 * Commands the plugin prints for the user to run (a fix, the way back, the next step): every argument quoted as a
 * POSIX shell reads it back, so a username, path or alias with a space, quote or `$` still makes a working command.
 * A placeholder the user must fill in (`<admin>`) is passed as { placeholder } and printed as it is.
 */

export type ShellArg = string | { placeholder: string } | undefined | false;

const SAFE = /^[\w@%+=:,./-]+$/;

/** One argument as a shell reads it back: unchanged when it is safe, else in single quotes. */
export function shellArg(value: string): string {
  return SAFE.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * `program` (the command's words, e.g. `sf jwt-setup rotate`) followed by `args`, each quoted as needed; undefined
 * and false are left out, so optional flags read inline: `shellCommand('sf x', cond && '--force')`.
 */
export function shellCommand(program: string, ...args: ShellArg[]): string {
  const words = args
    .filter((a): a is string | { placeholder: string } => a !== undefined && a !== false)
    .map((a) => (typeof a === 'string' ? shellArg(a) : a.placeholder));
  return [program, ...words].join(' ');
}
