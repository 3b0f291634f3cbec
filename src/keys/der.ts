/*
 * A minimal DER (ITU-T X.690, Distinguished Encoding Rules) writer: the types a self-signed X.509 certificate
 * (RFC 5280 4.1) needs, and nothing else. Each function returns one whole TLV; constructed types take their children
 * already encoded. Plus the two reads certificate.ts needs (one TLV header, an OID's dotted text). Pure.
 *
 * Written here instead of loading an ASN.1 library: @peculiar/x509 with reflect-metadata, tsyringe and its asn1
 * schemas was about 170 modules for one certificate (bench/README.md).
 */

/** One TLV. Length per X.690 8.1.3: short form below 128, else 0x80 | count and the minimal big-endian bytes (10.1). */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  let header: number[];
  if (n < 0x80) {
    header = [tag, n];
  } else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

/**
 * SET OF: X.690 11.6 orders the elements by their encodings, as octet strings. No whole TLV is a proper prefix of
 * another, so plain byte order is that order. (A Name's RDNs here hold one attribute each: the order only matters for
 * a SET of several.)
 */
export function setOf(...items: Uint8Array[]): Buffer {
  return tlv(0x31, Buffer.concat([...items].sort((a, b) => Buffer.compare(a, b))));
}

/**
 * INTEGER from the unsigned big-endian bytes of a non-negative number: two's complement in the fewest octets (X.690
 * 8.3.2), so leading zeros go, and one 0x00 comes back when the first byte's high bit would make it negative.
 */
export function integer(unsigned: Uint8Array | number[]): Buffer {
  let bytes = Buffer.from(unsigned);
  let first = 0;
  while (first < bytes.length - 1 && bytes[first] === 0) first++;
  bytes = bytes.subarray(first);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/**
 * OBJECT IDENTIFIER from dotted text (X.690 8.19): the first two arcs as one subidentifier 40 * X + Y (X is 0, 1 or
 * 2; Y below 40 unless X is 2), each subidentifier base 128, high bit set on all its bytes but the last. Throws on text
 * that is no OID.
 */
export function oid(dotted: string): Buffer {
  if (!/^\d+(\.\d+)+$/.test(dotted)) throw new RangeError(`not an OID: ${dotted}`);
  const arcs = dotted.split('.').map(BigInt);
  if (arcs[0] > 2n || (arcs[0] < 2n && arcs[1] >= 40n)) throw new RangeError(`not an OID: ${dotted}`);
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const base128 = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) base128.unshift(Number(rest & 0x7fn) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** True when `dotted` is an OID oid() can write. */
export function isOid(dotted: string): boolean {
  try {
    oid(dotted);
    return true;
  } catch {
    return false;
  }
}

export function nullValue(): Buffer {
  return Buffer.from([0x05, 0x00]);
}

/** BOOLEAN: DER writes TRUE as 0xFF (X.690 11.1). */
export function boolean(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

/** BIT STRING (X.690 8.6): the count of unused bits in the last byte, then the bytes. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(0x04, bytes);
}

export function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

/** The PrintableString alphabet (X.680 41.4): letters, digits, space and ' ( ) + , - . / : = ? */
export const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function printableString(text: string): Buffer {
  if (!PRINTABLE.test(text)) throw new RangeError(`not a PrintableString: ${JSON.stringify(text)}`);
  return tlv(0x13, Buffer.from(text, 'latin1'));
}

/** IA5String: ASCII (X.680 41.4, International Alphabet No. 5). */
export function ia5String(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`not an IA5String: ${JSON.stringify(text)}`);
  return tlv(0x16, Buffer.from(text, 'latin1'));
}

/**
 * A certificate's Time (RFC 5280 4.1.2.5): UTCTime YYMMDDHHMMSSZ for the years 1950 through 2049 (4.1.2.5.1),
 * GeneralizedTime YYYYMMDDHHMMSSZ otherwise (4.1.2.5.2); always UTC, seconds present, no fractional seconds, so a
 * date with milliseconds is refused rather than silently moved.
 */
export function time(date: Date): Buffer {
  const ms = date.getTime();
  if (!Number.isFinite(ms) || ms % 1000 !== 0) throw new RangeError(`not a whole-second time: ${String(date)}`);
  const iso = date.toISOString(); // 2030-01-15T12:00:00.000Z; years 0-9999 only
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`year out of range: ${iso}`);
  const digits = iso.slice(0, 19).replace(/\D/g, ''); // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2) + 'Z', 'latin1'))
    : tlv(0x18, Buffer.from(digits + 'Z', 'latin1'));
}

/** EXPLICIT context-specific tag [n] (X.690 8.14.2): a constructed TLV around the whole encoding of the value. */
export function explicit(n: number, value: Uint8Array): Buffer {
  return tlv(0xa0 | n, value);
}

/** Reading: one TLV at `at` (low tag numbers only), or undefined when it does not fit in `der` or is not DER. */
export function readTlv(der: Uint8Array, at: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > der.length) return undefined;
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > der.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
    start += count;
  }
  return start + length > der.length ? undefined : { tag, start, end: start + length };
}

/** Reading: the dotted text of an OID's content bytes (X.690 8.19, as oid() writes them); undefined if cut off. */
export function oidText(content: Uint8Array): string | undefined {
  if (content.length === 0 || content[content.length - 1] & 0x80) return undefined;
  const subidentifiers: bigint[] = [];
  let value = 0n;
  for (const byte of content) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      subidentifiers.push(value);
      value = 0n;
    }
  }
  const first = subidentifiers[0] < 80n ? subidentifiers[0] / 40n : 2n;
  return [first, subidentifiers[0] - first * 40n, ...subidentifiers.slice(1)].join('.');
}
