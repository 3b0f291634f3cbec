/*
 * Just enough XML for Salesforce source-format metadata: write elements with escaped text, and read the flat and
 * nested element trees the Metadata API uses (no attributes needed beyond xmlns, no mixed content) back.
 */
import { reason } from '../errors.js';

export const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const INDENT = '    ';

/** Escape text for an XML text node (and attribute values). Refuses characters XML 1.0 cannot carry at all. */
export function escapeXml(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(value)) {
    throw new Error('text contains a control character XML cannot represent');
  }
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An element's content: text, booleans, child elements (an array repeats the element), or undefined (omitted). */
export type XmlValue = string | boolean | XmlElement | XmlValue[] | undefined;
export type XmlElement = { [name: string]: XmlValue };

function renderValue(name: string, value: XmlValue, depth: number): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => renderValue(name, v, depth));
  const pad = INDENT.repeat(depth);
  if (typeof value === 'object') {
    return [`${pad}<${name}>`, ...renderChildren(value, depth + 1), `${pad}</${name}>`];
  }
  return [`${pad}<${name}>${escapeXml(String(value))}</${name}>`];
}

function renderChildren(element: XmlElement, depth: number): string[] {
  return Object.entries(element).flatMap(([name, value]) => renderValue(name, value, depth));
}

/** A metadata document: declaration, root element in the metadata namespace, children in the given order. */
export function metadataDocument(rootName: string, children: XmlElement): string {
  return [
    DECLARATION,
    `<${rootName} xmlns="${METADATA_NAMESPACE}">`,
    ...renderChildren(children, 1),
    `</${rootName}>`,
    '',
  ].join('\n');
}

/* ---------------------------------------------------------------- reading */

export type XmlNode = { name: string; attributes: Record<string, string>; children: XmlNode[]; text: string };

export class XmlParseError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = ENTITIES[ref];
    if (named === undefined) throw new XmlParseError(reason('xml.entity', [whole]));
    return named;
  });
}

/** Parse an XML document into its root element. Namespaces prefixes are dropped from names. */
export function parseXml(source: string): XmlNode {
  let pos = 0;
  const text = source.replace(/^\uFEFF/, '');

  const fail = (what: string): never => {
    const line = text.slice(0, pos).split('\n').length;
    throw new XmlParseError(`${what} at line ${line}`);
  };

  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos));
      pos += ws ? ws[0].length : 0;
      if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos);
        if (end < 0) fail(reason('xml.pi'));
        pos = end + 2;
      } else if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) fail(reason('xml.comment'));
        pos = end + 3;
      } else if (text.startsWith('<!DOCTYPE', pos)) {
        fail(reason('xml.doctype'));
      } else {
        return;
      }
    }
  };

  const localName = (qualified: string): string => qualified.slice(qualified.indexOf(':') + 1);

  const parseElement = (): XmlNode => {
    const open = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
      text.slice(pos),
    );
    if (!open) return fail(reason('xml.element'));
    pos += open[0].length;
    const node: XmlNode = { name: localName(open[1]), attributes: {}, children: [], text: '' };
    for (const attr of open[2].matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      node.attributes[attr[1]] = decodeEntities(attr[2] ?? attr[3] ?? '');
    }
    if (open[3] === '/') return node;
    let content = '';
    for (;;) {
      if (pos >= text.length) fail(reason('xml.unterminated', [open[1]]));
      if (text.startsWith('</', pos)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(pos));
        if (!close || close[1] !== open[1]) fail(reason('xml.mismatched', [open[1]]));
        pos += close![0].length;
        break;
      }
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos);
        if (end < 0) fail(reason('xml.comment'));
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', pos)) {
        const end = text.indexOf(']]>', pos);
        if (end < 0) fail(reason('xml.cdata'));
        content += text.slice(pos + 9, end);
        pos = end + 3;
      } else if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos);
        if (end < 0) fail(reason('xml.pi'));
        pos = end + 2;
      } else if (text[pos] === '<') {
        node.children.push(parseElement());
      } else {
        const next = text.indexOf('<', pos);
        const chunk = text.slice(pos, next < 0 ? text.length : next);
        content += decodeEntities(chunk);
        pos += chunk.length;
      }
    }
    node.text = node.children.length > 0 ? content.trim() : content;
    return node;
  };

  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos < text.length) fail(reason('xml.trailing'));
  return root;
}

/** The trimmed text of the first child element `name`, if any. */
export function childText(node: XmlNode, name: string): string | undefined {
  const child = node.children.find((c) => c.name === name);
  return child === undefined ? undefined : child.text.trim();
}

/** The trimmed texts of every child element `name`. */
export function childTexts(node: XmlNode, name: string): string[] {
  return node.children.filter((c) => c.name === name).map((c) => c.text.trim());
}

export function childNode(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}
