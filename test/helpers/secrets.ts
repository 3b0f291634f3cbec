/* Secret-leak detection: every way a key could appear in output or logs. */
/** Every `n`-character window of each secret (whitespace removed). */
export function secretWindows(secrets: string[], n = 16): Set<string> {
  const windows = new Set<string>();
  for (const s of secrets) {
    const compact = s.replace(/\s+/g, '');
    for (let i = 0; i + n <= compact.length; i++) windows.add(compact.slice(i, i + n));
  }
  return windows;
}

/** The first base64 run of `text` that shares an `n`-character window with a secret, if any. */
export function findLeak(text: string, windows: Set<string>, n = 16): string | undefined {
  for (const match of text.matchAll(/[A-Za-z0-9+/=_-]{16,}/g)) {
    const candidate = match[0];
    for (let i = 0; i + n <= candidate.length; i++) if (windows.has(candidate.slice(i, i + n))) return candidate;
  }
  return undefined;
}

/** The base64 bodies of a PEM key, as PKCS#8 PEM body, one-line base64 of the PEM, and DER base64. */
export function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('-----'))
    .join('');
}

/** Every way a key could leak, as text to search for verbatim (line by line, 40-char slices of base64 forms). */
export function keyLeakNeedles(pem: string): string[] {
  const lines = pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
  const oneLine = Buffer.from(pem).toString('base64');
  const slices: string[] = [];
  for (let i = 0; i + 40 <= oneLine.length; i += 40) slices.push(oneLine.slice(i, i + 40));
  const body = pemBody(pem);
  for (let i = 0; i + 40 <= body.length; i += 40) slices.push(body.slice(i, i + 40));
  return [...lines, ...slices];
}
