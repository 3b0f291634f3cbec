/*
 * PEM text as it arrives from files and CI secrets: find the blocks, undo the usual manglings, and say what was
 * undone. Pure: no I/O, no crypto, no secret in any message.
 */
import { reason } from '../errors.js';

/** What was repaired on the way in: doctor reports these, so a user learns what their secret store does. */
export type Repair =
  | 'bom' // a UTF-8 byte order mark before the text
  | 'quotes' // the whole value wrapped in quotes
  | 'literal-newlines' // "\n" as two characters instead of line breaks
  | 'crlf' // Windows line ends
  | 'joined-lines' // the PEM body on one line, or lines joined with spaces
  | 'base64-of-pem' // the whole PEM given as base64 (the recommended CI form)
  | 'base64-of-der' // DER bytes given as base64
  | 'der' // binary DER
  | 'surrounding-text'; // other text or other PEM blocks around the key

/** Encodings chosen on purpose (the recommended CI form is base64 of the PEM): not manglings. */
const ENCODINGS: readonly Repair[] = ['base64-of-pem', 'base64-of-der', 'der'];

/** The repairs that undid damage (literal \n, CRLF, BOM, ...), leaving out deliberate encodings. */
export function manglings(repairs: readonly Repair[]): Repair[] {
  return repairs.filter((r) => !ENCODINGS.includes(r));
}

export type PemBlock = {
  label: string; // e.g. "PRIVATE KEY", "RSA PRIVATE KEY", "CERTIFICATE"
  headers: Record<string, string>; // RFC 1421 headers, e.g. Proc-Type, DEK-Info of legacy encrypted keys
  body: string; // the base64 body, whitespace removed
};

export type DecodedText =
  | { kind: 'pem'; blocks: PemBlock[]; repairs: Repair[] }
  | { kind: 'der'; der: Buffer; repairs: Repair[] }
  | { kind: 'openssl-enc'; data: Buffer; repairs: Repair[] }
  | { kind: 'openssh-public' }
  | { kind: 'empty' }
  | { kind: 'truncated'; label: string; repairs: Repair[] }
  | { kind: 'bad-base64'; label: string; detail: string; repairs: Repair[] }
  | { kind: 'unknown' };

const BEGIN = /-----BEGIN ([A-Z0-9 ]{1,60})-----/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const OPENSSL_SALTED = Buffer.from('Salted__', 'latin1');

/** Wrap a base64 body at 64 columns into canonical PEM. */
export function toPem(label: string, body: string, headers: Record<string, string> = {}): string {
  const lines = body.match(/.{1,64}/g) ?? [];
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  const headerPart = head.length > 0 ? `${head.join('\n')}\n\n` : '';
  return `-----BEGIN ${label}-----\n${headerPart}${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Decode bytes or text into PEM blocks or DER, undoing (and recording) the usual manglings. */
export function decodeText(input: string | Buffer): DecodedText {
  const repairs: Repair[] = [];
  let text: string;
  if (Buffer.isBuffer(input)) {
    if (input.subarray(0, 8).equals(OPENSSL_SALTED)) return { kind: 'openssl-enc', data: input, repairs };
    if (looksLikeDer(input)) return { kind: 'der', der: input, repairs: ['der'] };
    const hasBom = input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
    if (hasBom) repairs.push('bom');
    text = input.subarray(hasBom ? 3 : 0).toString('utf8');
  } else {
    text = input;
  }
  if (text.startsWith('\uFEFF')) {
    repairs.push('bom');
    text = text.slice(1);
  }
  text = text.trim();
  if (text.length >= 2 && /^(["']).*\1$/s.test(text)) {
    repairs.push('quotes');
    text = text.slice(1, -1).trim();
  }
  if (text.length === 0) return { kind: 'empty' };
  if (/\\r\\n|\\n/.test(text) && BEGIN.test(text)) {
    repairs.push('literal-newlines');
    text = text.replace(/\\r\\n|\\n|\\r/g, '\n');
  }
  if (text.includes('\r')) {
    repairs.push('crlf');
    text = text.replace(/\r\n?/g, '\n');
  }
  if (BEGIN.test(text)) return decodePem(text, repairs);
  if (/^ssh-(rsa|ed25519|dss) |^ecdsa-sha2-/.test(text)) return { kind: 'openssh-public' };

  // No armour: base64 of a PEM, of DER, or of an openssl-enc file.
  const compact = text.replace(/\s+/g, '');
  const normalized = compact.replace(/-/g, '+').replace(/_/g, '/');
  if (compact.length < 16 || !BASE64.test(padBase64(normalized))) return { kind: 'unknown' };
  if (compact.length !== text.length) repairs.push('joined-lines');
  const bytes = Buffer.from(normalized, 'base64');
  if (bytes.subarray(0, 8).equals(OPENSSL_SALTED)) return { kind: 'openssl-enc', data: bytes, repairs };
  const inner = bytes.toString('utf8');
  if (BEGIN.test(inner)) {
    const decoded = decodeText(inner);
    if ('repairs' in decoded) decoded.repairs.unshift(...repairs.filter((r) => r !== 'joined-lines'), 'base64-of-pem');
    return decoded;
  }
  if (looksLikeDer(bytes)) return { kind: 'der', der: bytes, repairs: [...repairs, 'base64-of-der'] };
  return { kind: 'unknown' };
}

/** The BEGIN…END blocks, in one forward scan (no backtracking regex over the whole input). */
function* pemBlocks(
  text: string,
): Generator<{ label: string; content: string; length: number } | { truncated: string }> {
  let from = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', from);
    if (begin < 0) return;
    const header = BEGIN.exec(text.slice(begin, begin + 100));
    if (!header) {
      from = begin + 11;
      continue;
    }
    const label = header[1];
    const contentStart = begin + header[0].length;
    const endLine = `-----END ${label}-----`;
    const end = text.indexOf(endLine, contentStart);
    if (end < 0) {
      yield { truncated: label };
      return;
    }
    yield { label, content: text.slice(contentStart, end), length: end + endLine.length - begin };
    from = end + endLine.length;
  }
}

function decodePem(text: string, repairs: Repair[]): DecodedText {
  const blocks: PemBlock[] = [];
  let consumed = 0;
  for (const match of pemBlocks(text)) {
    if ('truncated' in match) {
      if (blocks.length === 0) return { kind: 'truncated', label: match.truncated, repairs };
      break;
    }
    const label = match.label;
    const parsed = parseBlockContent(match.content);
    if (parsed.joined) pushOnce(repairs, 'joined-lines');
    if (!BASE64.test(parsed.body) || parsed.body.length === 0) {
      return { kind: 'bad-base64', label, detail: describeBadBase64(parsed.body), repairs };
    }
    blocks.push({ label, headers: parsed.headers, body: parsed.body });
    consumed += match.length;
  }
  if (blocks.length === 0) {
    const label = BEGIN.exec(text)?.[1] ?? 'UNKNOWN';
    return { kind: 'truncated', label, repairs };
  }
  if (blocks.length > 1 || text.replace(/\s+/g, '').length > consumed + 4) pushOnce(repairs, 'surrounding-text');
  return { kind: 'pem', blocks, repairs };
}

function parseBlockContent(content: string): { headers: Record<string, string>; body: string; joined: boolean } {
  const headers: Record<string, string> = {};
  let rest = content;
  // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-256-CBC,<iv>"), possibly on one joined line.
  const headerRegex = /^\s*(Proc-Type|DEK-Info)\s*:\s*([^\s]+)/i;
  for (let match = headerRegex.exec(rest); match; match = headerRegex.exec(rest)) {
    headers[normalizeHeaderName(match[1])] = match[2];
    rest = rest.slice(match[0].length);
  }
  const lines = rest.split('\n').filter((l) => l.trim().length > 0);
  const joined = lines.length <= 1 ? rest.replace(/\s+/g, '').length > 64 : lines.some((l) => /\S\s+\S/.test(l.trim()));
  return { headers, body: rest.replace(/\s+/g, ''), joined };
}

function normalizeHeaderName(name: string): string {
  return name.toLowerCase() === 'proc-type' ? 'Proc-Type' : 'DEK-Info';
}

function describeBadBase64(body: string): string {
  if (body.length === 0) return reason('pem.emptyBody');
  const bad = [...body].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c));
  if (bad >= 0) return reason('pem.badCharacter', [bad + 1]);
  return reason('pem.padding');
}

function padBase64(s: string): string {
  return s.length % 4 === 0 ? s : s + '='.repeat(4 - (s.length % 4));
}

function pushOnce<T>(list: T[], item: T): void {
  if (!list.includes(item)) list.push(item);
}

/** A DER SEQUENCE whose length field accounts for the whole buffer. */
export function looksLikeDer(bytes: Buffer): boolean {
  if (bytes.length < 4 || bytes[0] !== 0x30) return false;
  const first = bytes[1];
  if (first < 0x80) return first + 2 === bytes.length;
  const n = first & 0x7f;
  if (n < 1 || n > 3 || bytes.length < 2 + n) return false;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i];
  return len + 2 + n === bytes.length;
}
