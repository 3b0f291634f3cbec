/*
 * The Metadata API's SOAP door: POST {instance}/services/Soap/m/{version}.
 *
 * The envelope's Header/SessionHeader/sessionId must be a live access token, else HTTP 500 with the fault
 * sf:INVALID_SESSION_ID (jsforce refreshes the session on exactly that: status 500 + that faultcode). The first child
 * of Body names the operation: deploy, checkDeployStatus, cancelDeploy, retrieve, checkRetrieveStatus (jsforce sends
 * retrieve's argument as <request> and cancelDeploy's as <id>; the WSDL names retrieveRequest and String: both taken). Answers are
 * <{operation}Response><result>…</result></…>; booleans are 'true'/'false' text, which jsforce casts with its schema.
 */
import type { Reply, Session } from '../rest.js';
import type { MdObject } from '../org.js';
import type { DeployJobs } from './deploy.js';
import { deployOptions } from './deploy.js';
import type { RetrieveJobs } from './retrieve.js';
import { bool, escapeText, parseDocument, text, toElements } from './xml.js';

export const SOAP_PATH = /^\/services\/Soap\/m\/(\d+\.\d)(?:\/[\w]*)?\/?$/;
const XML_TYPE = 'text/xml;charset=UTF-8';

export type SoapContext = {
  deploys: DeployJobs;
  retrieves: RetrieveJobs;
  apiVersions: string[];
  /** the live session for a sessionId, if any */
  sessionFor(token: string | undefined): Session | undefined;
};

function envelope(inner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`
  );
}

/** A SOAP fault, HTTP 500 as Salesforce sends them. `code` like 'sf:INVALID_SESSION_ID' or 'soapenv:Client'. */
export function soapFault(code: string, message: string): Reply {
  const exception = code.startsWith('sf:') ? code.slice(3) : undefined;
  const detail = exception
    ? `<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>${exception}</sf:exceptionCode><sf:exceptionMessage>${escapeText(message)}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail>`
    : '';
  const body = envelope(
    `<soapenv:Fault xmlns:sf="urn:fault.soap.sforce.com"><faultcode>${code}</faultcode><faultstring>${escapeText(message)}</faultstring>${detail}</soapenv:Fault>`,
  );
  return { status: 500, body, contentType: XML_TYPE };
}

const answer = (operation: string, result: unknown): Reply => ({
  status: 200,
  contentType: XML_TYPE,
  body: envelope(`<${operation}Response>${toElements('result', result)}</${operation}Response>`),
});

export async function handleSoap(method: string, version: string, body: string, ctx: SoapContext): Promise<Reply> {
  if (method !== 'POST') return soapFault('soapenv:Client', 'SOAP requests must use HTTP POST');
  if (Number(version) > Math.max(...ctx.apiVersions.map(Number))) {
    return soapFault('sf:UNSUPPORTED_API_VERSION', 'UNSUPPORTED_API_VERSION: Invalid Api version specified on URL');
  }
  const parsed = parseDocument(body);
  if (!parsed.ok || parsed.root !== 'Envelope')
    return soapFault(
      'soapenv:Client',
      `Unable to parse the SOAP envelope: ${parsed.ok ? 'not an Envelope' : parsed.message}`,
    );
  const header = (parsed.content.Header ?? {}) as MdObject;
  const sessionId = text(((header.SessionHeader ?? {}) as MdObject).sessionId);
  const session = ctx.sessionFor(sessionId);
  if (!session)
    return soapFault(
      'sf:INVALID_SESSION_ID',
      'INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session',
    );
  const bodyContent = (parsed.content.Body ?? {}) as MdObject;
  const operation = Object.keys(bodyContent)[0] ?? '';
  const args = (typeof bodyContent[operation] === 'object' ? bodyContent[operation] : {}) as MdObject;
  const invalidId = (): Reply => soapFault('sf:INVALID_ID_FIELD', 'INVALID_ID_FIELD: Invalid or null id');

  switch (operation) {
    case 'deploy': {
      const zip = text(args.ZipFile);
      if (!zip) return soapFault('sf:INVALID_ZIP', 'ZipFile is required');
      const options = deployOptions((args.DeployOptions ?? {}) as Record<string, unknown>);
      const result = await ctx.deploys.start(Buffer.from(zip, 'base64'), options, 'SOAP', version, session.userId);
      return answer('deploy', { done: false, id: result.id, state: 'Queued' });
    }
    case 'checkDeployStatus': {
      const result = ctx.deploys.poll(text(args.asyncProcessId) ?? '', bool(args.includeDetails) ?? false);
      return result ? answer('checkDeployStatus', result) : invalidId();
    }
    case 'cancelDeploy': {
      const result = ctx.deploys.cancel(text(args.id) ?? text(args.String) ?? text(args.asyncProcessId) ?? '');
      return result ? answer('cancelDeploy', result) : invalidId();
    }
    case 'retrieve':
      return answer(
        'retrieve',
        ctx.retrieves.start((args.retrieveRequest ?? args.request ?? {}) as MdObject, session.userId),
      );
    case 'checkRetrieveStatus': {
      const result = await ctx.retrieves.poll(text(args.asyncProcessId) ?? '', bool(args.includeZip) ?? true);
      return result ? answer('checkRetrieveStatus', result) : invalidId();
    }
    default:
      return soapFault(
        'soapenv:Client',
        `No operation available for request {http://soap.sforce.com/2006/04/metadata}${operation}`,
      );
  }
}
