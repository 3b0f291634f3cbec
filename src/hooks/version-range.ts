/*
 * Does a package version satisfy a dependency range as npm reads it? The subset that package.json dependency ranges
 * use: `1.2.3`, `=1.2.3`, `^1.2.3`, `~1.2.3`, `1.x`, `1.2.*`, `*`, comparators (`>=1.2.0 <2`), and `||` between
 * alternatives. Anything else (tags, URLs, `file:`, `npm:` aliases, hyphen ranges) and any prerelease version answers
 * false: the caller then keeps the plugin's own copy, which is always correct, only dearer. Written here rather than
 * taken from `semver` so that the init hook loads nothing but node built-ins.
 */

type Version = [number, number, number];
type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: Version };

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/;

function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** `1`, `1.2`, `1.2.3`, with x/X/* wildcards: the parts given, undefined where a part is missing or a wildcard. */
function parsePartial(text: string): Array<number | undefined> | undefined {
  const m = PARTIAL.exec(text);
  if (!m) return undefined;
  return [m[1], m[2], m[3]].map((p) => (p === undefined || /^[xX*]$/.test(p) ? undefined : Number(p)));
}

/** The comparators of one space-separated range term, or undefined for syntax this reader does not take. */
function comparators(term: string): Comparator[] | undefined {
  const m = /^(\^|~>?|>=|<=|>|<|=)?\s*(.+)$/.exec(term);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const parts = parsePartial(m[2]);
  if (!parts) return undefined;
  const [major, minor, patch] = parts;
  if (major === undefined) return op === '' || op === '=' || op === '>=' ? [] : undefined; // `*`
  const lower: Version = [major, minor ?? 0, patch ?? 0];
  const given = parts.filter((p) => p !== undefined).length;
  if (op === '^') {
    // ^1.2.3 := >=1.2.3 <2.0.0; ^0.2.3 := <0.3.0; ^0.0.3 := <0.0.4 (the left-most non-zero part is kept)
    let upper: Version;
    if (major > 0 || given === 1) upper = [major + 1, 0, 0];
    else if ((minor ?? 0) > 0 || given === 2) upper = [0, (minor ?? 0) + 1, 0];
    else upper = [0, 0, (patch ?? 0) + 1];
    return [
      { op: '>=', version: lower },
      { op: '<', version: upper },
    ];
  }
  if (op === '~' || op === '~>') {
    const upper: Version = given === 1 ? [major + 1, 0, 0] : [major, (minor ?? 0) + 1, 0];
    return [
      { op: '>=', version: lower },
      { op: '<', version: upper },
    ];
  }
  if (op === '' || op === '=') {
    if (given === 3) return [{ op: '=', version: lower }];
    const upper: Version = given === 1 ? [major + 1, 0, 0] : [major, (minor ?? 0) + 1, 0];
    return [
      { op: '>=', version: lower },
      { op: '<', version: upper },
    ];
  }
  if (given !== 3 && (op === '>' || op === '<=')) return undefined; // `>1.2` and `<=1.2` are rare: not worth guessing
  return [{ op: op as Comparator['op'], version: lower }];
}

function holds(version: Version, c: Comparator): boolean {
  const d = compare(version, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    default:
      return d === 0;
  }
}

/** True when `version` (a plain x.y.z release) satisfies `range`; false when it does not or cannot be told. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return range.split('||').some((alternative) => {
    // ">= 1.2.3" is one comparator: join an operator to the version after it before splitting on spaces
    const terms = alternative
      .trim()
      .replace(/(\^|~>?|>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (terms.length === 0) return true; // "" means any version, as `*`
    const all: Comparator[] = [];
    for (const term of terms) {
      const cs = comparators(term);
      if (!cs) return false;
      all.push(...cs);
    }
    return all.every((c) => holds(v, c));
  });
}
