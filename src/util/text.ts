/*
 * Characters that make a name display as something it is not: C0 and C1 controls (a newline in a file name), Unicode
 * format characters (category Cf: bidi overrides and isolates such as U+202E, zero-width spaces and joiners, U+FEFF),
 * and the line and paragraph separators. A name with one of these can show reversed, or identical to another name.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** Whether `text` holds a control, format (bidi, zero-width) or line-separator character. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/** `text` as a JSON string whose unsafe characters are all escaped (\n, \u202e), for quoting it in a message. */
export function escapeUnsafe(text: string): string {
  return JSON.stringify(text).replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
