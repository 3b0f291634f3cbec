/*
 * Distinguished names for --subject: "CN=ci-deploy,O=Acme,C=US" (RFC 4514 style, as people write them) or the
 * "/CN=ci-deploy/O=Acme" form that `openssl req -subj` takes. Pure.
 */
import { hostname } from 'node:os';
import { jwtError, reason } from '../errors.js';
import { hasUnsafeCharacters } from '../util/text.js';
import { isOid, PRINTABLE } from './der.js';

export type SubjectAttribute = { type: string; value: string };

/** Attribute names accepted, mapped to the type kept: a short name of ATTRIBUTE_OIDS, or an OID. */
const ATTRIBUTE_TYPES: Record<string, string> = {
  CN: 'CN',
  O: 'O',
  OU: 'OU',
  L: 'L',
  ST: 'ST',
  C: 'C',
  E: 'E',
  EMAILADDRESS: 'E',
  DC: 'DC',
  SERIALNUMBER: '2.5.4.5',
  STREET: '2.5.4.9',
  UID: '0.9.2342.19200300.100.1.1',
  T: 'T',
  TITLE: 'T',
  G: 'G',
  GN: 'G',
  SN: 'SN',
};

/**
 * The short names' OIDs: X.520 names (RFC 5280 appendix A: 2.5.4.x), emailAddress (PKCS #9, RFC 2985) and
 * domainComponent (RFC 4519 2.4).
 */
const ATTRIBUTE_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  G: '2.5.4.42',
  E: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25',
};

/** The OID of an attribute type as parseSubject() keeps it (a short name or already an OID). */
export function attributeOid(type: string): string {
  return ATTRIBUTE_OIDS[type] ?? type;
}

/**
 * The ASN.1 string type of an attribute's value in a certificate, by its OID. DirectoryString values are UTF8String
 * (RFC 5280 4.1.2.4); RFC 5280 appendix A fixes the others: countryName and serialNumber PrintableString,
 * emailAddress and domainComponent IA5String.
 */
export function attributeStringType(oid: string): 'printable' | 'ia5' | 'utf8' {
  if (oid === ATTRIBUTE_OIDS.C || oid === '2.5.4.5') return 'printable';
  if (oid === ATTRIBUTE_OIDS.E || oid === ATTRIBUTE_OIDS.DC) return 'ia5';
  return 'utf8';
}

const DISPLAY_NAMES: Record<string, string> = {
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.1': 'UID',
};

export function defaultSubject(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost';
  return `CN=sf-jwt-setup@${host}`;
}

/** Parse and validate a distinguished name; throws InvalidSubject with the reason. */
export function parseSubject(input: string): SubjectAttribute[] {
  const text = input.trim();
  const fail = (why: string): never => {
    throw jwtError('InvalidSubject', [input, why]);
  };
  if (text.length === 0) fail(reason('empty'));
  if (text.length > 1024) fail(reason('subject.long'));
  const parts = text.startsWith('/') ? splitUnescaped(text.slice(1), '/') : splitUnescaped(text, ',');
  const attributes: SubjectAttribute[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part.length === 0) fail(reason('subject.emptyAttribute'));
    const eq = part.indexOf('=');
    if (eq <= 0) fail(reason('subject.form', [part]));
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = unescape(part.slice(eq + 1).trim());
    const type = ATTRIBUTE_TYPES[name] ?? (isOid(name) ? name : undefined);
    if (!type) fail(reason('subject.type', [part.slice(0, eq).trim()]));
    if (value.length === 0) fail(reason('subject.noValue', [name]));
    if (value.length > 64 && type !== 'E') fail(reason('subject.valueLong', [name]));
    if (type === 'C' && !/^[A-Za-z]{2}$/.test(value)) fail(reason('subject.country'));
    if (type === 'E' && !/^[^@\s]+@[^@\s]+$/.test(value)) fail(reason('subject.email'));
    if (hasUnsafeCharacters(value)) fail(reason('subject.control', [name]));
    // what the value's string type in the certificate can hold (see attributeStringType)
    const stringType = attributeStringType(attributeOid(type));
    if (stringType === 'printable' && !PRINTABLE.test(value)) fail(reason('subject.printable', [name]));
    // eslint-disable-next-line no-control-regex
    if (stringType === 'ia5' && !/^[\x00-\x7f]*$/.test(value)) fail(reason('subject.ascii', [name]));
    attributes.push({ type, value });
  }
  return attributes;
}

/** RFC 4514 text of parsed attributes, e.g. "CN=ci-deploy, O=Acme". */
export function formatSubject(attributes: SubjectAttribute[]): string {
  return attributes.map((a) => `${DISPLAY_NAMES[a.type] ?? a.type}=${escapeValue(a.value)}`).join(', ');
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

function escapeValue(value: string): string {
  return value
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}
