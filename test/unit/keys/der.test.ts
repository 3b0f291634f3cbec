/*
 * The DER writer (src/keys/der.ts) against encodings known from X.690 and RFC 5280, and its two reads against what
 * it writes. The certificate it builds is checked by independent parsers in certificate.test.ts.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  bitString,
  boolean,
  explicit,
  ia5String,
  integer,
  isOid,
  nullValue,
  octetString,
  oid,
  oidText,
  printableString,
  readTlv,
  sequence,
  setOf,
  time,
  tlv,
  utf8String,
} from '../../../src/keys/der.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('DER writer (src/keys/der.ts)', () => {
  describe('lengths (X.690 8.1.3: short form below 128, else the fewest big-endian bytes)', () => {
    const cases: Array<[number, string]> = [
      [0, '0400'],
      [1, '0401'],
      [127, '047f'],
      [128, '048180'],
      [255, '0481ff'],
      [256, '04820100'],
      [65_535, '0482ffff'],
      [65_536, '0483010000'],
    ];
    for (const [n, header] of cases) {
      it(`${n} content bytes → header ${header}, and readTlv reads it back`, () => {
        const encoded = octetString(Buffer.alloc(n, 0xab));
        expect(hex(encoded.subarray(0, header.length / 2))).to.equal(header);
        expect(encoded.length).to.equal(header.length / 2 + n);
        expect(readTlv(encoded, 0)).to.deep.equal({ tag: 0x04, start: header.length / 2, end: encoded.length });
      });
    }

    it('readTlv: a TLV that runs past the end, or a header cut off, is undefined', () => {
      const encoded = octetString(Buffer.alloc(300));
      expect(readTlv(encoded.subarray(0, 299), 0)).to.equal(undefined);
      expect(readTlv(encoded.subarray(0, 3), 0)).to.equal(undefined);
      expect(readTlv(Buffer.from([0x30]), 0)).to.equal(undefined);
      expect(readTlv(Buffer.from([0x30, 0x80]), 0)).to.equal(undefined); // indefinite length: BER, not DER
    });

    it('any length reads back (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 0x1e }), (n, tag) => {
          const encoded = tlv(tag, Buffer.alloc(n));
          const read = readTlv(encoded, 0);
          return read?.tag === tag && read.end === encoded.length && read.end - read.start === n;
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('INTEGER (X.690 8.3: two’s complement, fewest octets)', () => {
    const cases: Array<[number[], string]> = [
      [[0x02], '020102'],
      [[0x7f], '02017f'],
      [[0x80], '02020080'], // high bit set: a 0x00 first, or it would be negative
      [[0xff, 0x01], '020300ff01'],
      [[0x00, 0x00, 0x01], '020101'], // leading zeros dropped
      [[0x00, 0x80], '02020080'], // …but one kept where the high bit needs it
      [[0x00], '020100'],
      [[], '020100'],
    ];
    for (const [bytes, expected] of cases) {
      it(`${hex(Buffer.from(bytes)) || '(none)'} → ${expected}`, () => {
        expect(hex(integer(bytes))).to.equal(expected);
      });
    }

    it('any bytes read back as the same non-negative number, in the fewest octets (property)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
          const encoded = integer(bytes);
          const content = encoded.subarray(2);
          const minimal = content.length === 1 || !(content[0] === 0 && !(content[1] & 0x80));
          const value = BigInt('0x' + (hex(Buffer.from(bytes)) || '0'));
          return (content[0] & 0x80) === 0 && minimal && BigInt('0x' + hex(content)) === value;
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('OBJECT IDENTIFIER (X.690 8.19)', () => {
    const cases: Array<[string, string]> = [
      ['1.2.840.113549', '06062a864886f70d'],
      ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
      ['2.5.4.3', '0603550403'],
      ['0.9.2342.19200300.100.1.25', '060a0992268993f22c640119'],
      ['2.999.3', '0603883703'], // X.690's own example: the first subidentifier 40 * 2 + 999 takes two bytes
      ['1.3.101.112', '06032b6570'],
    ];
    for (const [dotted, expected] of cases) {
      it(`${dotted} → ${expected}, and reads back`, () => {
        const encoded = oid(dotted);
        expect(hex(encoded)).to.equal(expected);
        expect(oidText(encoded.subarray(2))).to.equal(dotted);
      });
    }

    it('text that is no OID is refused: first arc above 2, second arc 40 or more under 0 and 1, one arc, not digits', () => {
      for (const bad of ['3.1', '1.40', '0.40', '1', '', 'a.b', '1..2', '1.2.', ' 1.2']) {
        expect(() => oid(bad), bad).to.throw(RangeError);
        expect(isOid(bad), bad).to.equal(false);
      }
      expect(isOid('2.40.1')).to.equal(true);
    });

    it('an arc beyond 2^53 (a UUID OID, 2.25.x) is written exactly', () => {
      const dotted = '2.25.329800735698586629295641978511506172918';
      expect(oidText(oid(dotted).subarray(2))).to.equal(dotted);
    });

    it('oidText: empty or cut-off content (last byte with its high bit set) is undefined', () => {
      expect(oidText(Buffer.alloc(0))).to.equal(undefined);
      expect(oidText(Buffer.from([0x2a, 0x86]))).to.equal(undefined);
    });
  });

  describe('the other primitives', () => {
    it('NULL, BOOLEAN (TRUE is 0xFF, X.690 11.1), BIT STRING with unused bits, OCTET STRING', () => {
      expect(hex(nullValue())).to.equal('0500');
      expect(hex(boolean(true))).to.equal('0101ff');
      expect(hex(boolean(false))).to.equal('010100');
      expect(hex(bitString(Buffer.from([0x80]), 7))).to.equal('03020780'); // keyUsage digitalSignature
      expect(hex(bitString(Buffer.from([0xde, 0xad])))).to.equal('030300dead');
      expect(hex(octetString(Buffer.from([1, 2])))).to.equal('04020102');
    });

    it('UTF8String holds any text; PrintableString and IA5String refuse what is outside their alphabet', () => {
      expect(hex(utf8String('Jörg'))).to.equal('0c054ac3b67267');
      expect(hex(printableString("US a-z'()+,./:=?"))).to.equal('1310' + hex(Buffer.from("US a-z'()+,./:=?")));
      expect(hex(ia5String('a@b.c'))).to.equal('1605' + hex(Buffer.from('a@b.c')));
      for (const bad of ['a_b', 'a@b', 'Ü', 'a*b', 'x"y']) expect(() => printableString(bad), bad).to.throw(RangeError);
      for (const bad of ['jörg@example.com', 'ü']) expect(() => ia5String(bad), bad).to.throw(RangeError);
    });
  });

  describe('Time (RFC 5280 4.1.2.5)', () => {
    const ascii = (b: Buffer): string => b.subarray(2).toString('latin1');

    it('UTCTime through 2049-12-31T23:59:59Z, GeneralizedTime from 2050-01-01T00:00:00Z', () => {
      const last = time(new Date('2049-12-31T23:59:59Z'));
      expect(last[0]).to.equal(0x17);
      expect(ascii(last)).to.equal('491231235959Z');
      const first = time(new Date('2050-01-01T00:00:00Z'));
      expect(first[0]).to.equal(0x18);
      expect(ascii(first)).to.equal('20500101000000Z');
      expect(hex(first.subarray(0, 2))).to.equal('180f');
      expect(hex(last.subarray(0, 2))).to.equal('170d');
    });

    it('UTCTime from 1950 (YY 50 is 1950), GeneralizedTime before it', () => {
      expect(ascii(time(new Date('1950-01-01T00:00:00Z')))).to.equal('500101000000Z');
      const before = time(new Date('1949-12-31T23:59:59Z'));
      expect(before[0]).to.equal(0x18);
      expect(ascii(before)).to.equal('19491231235959Z');
      expect(ascii(time(new Date('2030-01-15T12:00:00Z')))).to.equal('300115120000Z');
    });

    it('fractional seconds and invalid dates are refused (RFC 5280: no fractions)', () => {
      expect(() => time(new Date('2030-01-15T12:00:00.500Z'))).to.throw(RangeError);
      expect(() => time(new Date('nonsense'))).to.throw(RangeError);
      expect(() => time(new Date(Date.UTC(10_000, 0, 1)))).to.throw(RangeError);
    });
  });

  describe('constructed types', () => {
    it('SEQUENCE, EXPLICIT [0] and [3]', () => {
      expect(hex(sequence())).to.equal('3000');
      expect(hex(sequence(integer([1]), nullValue()))).to.equal('30050201010500');
      expect(hex(explicit(0, integer([2])))).to.equal('a003020102'); // version v3 in a TBSCertificate
      expect(hex(explicit(3, sequence()))).to.equal('a3023000');
    });

    it('SET OF orders its elements by their encodings (X.690 11.6)', () => {
      expect(hex(setOf(integer([2]), integer([1])))).to.equal('3106020101020102');
      expect(hex(setOf(octetString(Buffer.from([0, 0])), octetString(Buffer.from([0]))))).to.equal(
        '3107' + '040100' + '04020000',
      );
    });
  });
});
