/*
 * The one change a rotation makes to an app: its certificate. The retrieved XML of the component that holds it is
 * kept byte for byte except the text of that one element (and the consumer key put in when the retrieve withheld it,
 * so the deploy cannot change or drop it). An External Client App keeps it in ExtlClntAppGlobalOauthSettings
 * <certificate>; a Connected App in <oauthConfig><certificate> (its <samlConfig> may hold another, left alone).
 */
import { escapeXml } from '../app/xml.js';
import type { AppKind } from '../app/names.js';

export class ComponentRewriteError extends Error {}

type Range = { start: number; end: number };

/** The inside of the first <name>…</name> within `range` of `text`, or undefined. */
function elementRange(text: string, name: string, within: Range): { outer: Range; inner: Range } | undefined {
  const slice = text.slice(within.start, within.end);
  const open = new RegExp(`<${name}(\\s[^>]*)?>`).exec(slice);
  if (!open) return undefined;
  const innerStart = within.start + open.index + open[0].length;
  const close = text.indexOf(`</${name}>`, innerStart);
  if (close < 0 || close > within.end) return undefined;
  return {
    outer: { start: within.start + open.index, end: close + name.length + 3 },
    inner: { start: innerStart, end: close },
  };
}

/**
 * `xml` with the certificate replaced by `certificatePem`, and `<consumerKey>` set to `consumerKey` when it is absent.
 * A consumer key present in the XML must equal `consumerKey`: the rotation never changes it.
 */
export function replaceCertificate(xml: string, kind: AppKind, certificatePem: string, consumerKey: string): string {
  const whole = { start: 0, end: xml.length };
  const scope = kind === 'connected' ? elementRange(xml, 'oauthConfig', whole)?.inner : whole;
  if (!scope) throw new ComponentRewriteError('oauthConfig');
  const certificate = elementRange(xml, 'certificate', scope);
  if (!certificate) throw new ComponentRewriteError('certificate');
  const key = elementRange(xml, 'consumerKey', scope);
  if (key && xml.slice(key.inner.start, key.inner.end).trim() !== consumerKey) {
    throw new ComponentRewriteError('consumerKey');
  }
  const pem = escapeXml(certificatePem.trim());
  let insertKey = '';
  if (!key) {
    const lineStart = xml.lastIndexOf('\n', certificate.outer.start) + 1;
    const indent = /^[ \t]*/.exec(xml.slice(lineStart, certificate.outer.start))?.[0] ?? '';
    insertKey = `\n${indent}<consumerKey>${escapeXml(consumerKey)}</consumerKey>`;
  }
  return (
    xml.slice(0, certificate.inner.start) +
    pem +
    xml.slice(certificate.inner.end, certificate.outer.end) +
    insertKey +
    xml.slice(certificate.outer.end)
  );
}
