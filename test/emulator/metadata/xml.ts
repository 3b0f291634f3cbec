/*
 * XML for the Metadata API: parsing SOAP envelopes and metadata files (fast-xml-parser, namespace prefixes dropped,
 * every value kept as text), and writing SOAP answers and retrieved metadata files.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { MdObject, MdValue } from '../org.js';

export const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export type ParsedXml =
  { ok: true; root: string; content: MdObject } | { ok: false; message: string; line?: number; column?: number };

/** Parses a document into its root element's name and content (text values, nested objects, arrays for repeats). */
export function parseDocument(source: string): ParsedXml {
  const valid = XMLValidator.validate(source);
  if (valid !== true) return { ok: false, message: valid.err.msg, line: valid.err.line, column: valid.err.col };
  const parsed = parser.parse(source) as Record<string, unknown>;
  const roots = Object.keys(parsed);
  if (roots.length !== 1) return { ok: false, message: 'the document must have exactly one root element' };
  const value = parsed[roots[0]];
  return { ok: true, root: roots[0], content: typeof value === 'object' && value !== null ? (value as MdObject) : {} };
}

/** Line and column of the first `<name` tag in text (1-based), for Metadata API problem positions. */
export function positionOf(source: string, name: string): { line: number; column: number } {
  const m = new RegExp(`<(?:\\w+:)?${name}[\\s>/]`).exec(source);
  if (!m) return { line: 1, column: 1 };
  const before = source.slice(0, m.index);
  const line = before.split('\n').length;
  return { line, column: m.index - before.lastIndexOf('\n') };
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Any JSON-ish value as elements: booleans and numbers as text, arrays repeat the element, null is xsi:nil. */
export function toElements(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => toElements(name, v)).join('');
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toElements(k, v))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeText(String(value))}</${name}>`;
}

function renderValue(name: string, value: MdValue, depth: number): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => renderValue(name, v, depth));
  const pad = '    '.repeat(depth);
  if (typeof value === 'object') {
    return [`${pad}<${name}>`, ...renderChildren(value, depth + 1), `${pad}</${name}>`];
  }
  return [`${pad}<${name}>${escapeText(value)}</${name}>`];
}

function renderChildren(content: MdObject, depth: number): string[] {
  return Object.keys(content)
    .filter((k) => k !== 'fullName')
    .sort()
    .flatMap((k) => renderValue(k, content[k], depth));
}

/** A metadata file as Salesforce retrieves it: declaration, root in the metadata namespace, elements in name order. */
export function metadataDocument(root: string, content: MdObject): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${root} xmlns="${METADATA_NS}">`,
    ...renderChildren(content, 1),
    `</${root}>`,
    '',
  ].join('\n');
}

/** The text of an element (first one if repeated), or undefined. */
export function text(value: MdValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return text(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/** Every repeat of an element as a list. */
export function list(value: MdValue | undefined): MdValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** xsd:boolean: 'true'/'1' -> true, 'false'/'0' -> false, anything else undefined. */
export function bool(value: MdValue | undefined): boolean | undefined {
  const t = text(value)?.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}
