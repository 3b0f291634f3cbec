/*
 * Property: whatever a token endpoint answers — random JSON, grants with wrong types, OAuth errors, huge bodies, HTML,
 * random bytes, any status, a connection cut mid-answer — postAssertion ends in a valid token grant or a coded error
 * that names the host, within its deadline, and never echoes the assertion.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../src/exchange/http.js';
import { postAssertion, type TokenGrant } from '../../src/exchange/token.js';
import { expectCoded, within } from '../helpers/index.js';

type Answer = {
  status: number;
  contentType?: string;
  body: string | Buffer;
  date?: string;
  mode: 'normal' | 'cut-mid-body' | 'destroy-before-headers' | 'short-content-length';
};

const ORG = '00D5g000004XyZaEAK';
const USER = '0055g000009AbCdAAK';
const ASSERTION = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJYWVpfU0VDUkVUX0NMQUlNUyJ9.c2lnbmF0dXJlX3Nob3VsZF9uZXZlcl9sZWFr';

function answerArbitrary(): fc.Arbitrary<Answer> {
  const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }));
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    anyString,
    fc.constant(null),
    fc.integer(),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  const grantLike = fc
    .record(
      {
        access_token: fc.oneof({ arbitrary: fc.constant('00D5g000004XyZa!AQ' + 'x'.repeat(90)), weight: 3 }, anyValue),
        instance_url: fc.oneof(
          { arbitrary: fc.constant('https://acme.my.salesforce.com'), weight: 3 },
          anyValue,
          fc.webUrl(),
        ),
        id: fc.oneof(
          { arbitrary: fc.constant(`https://login.salesforce.com/id/${ORG}/${USER}`), weight: 3 },
          anyValue,
          fc.constant(`https://login.salesforce.com/id/${ORG}`),
        ),
        scope: anyValue,
        token_type: anyValue,
        issued_at: anyValue,
        signature: anyValue,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  // Well-formed grants in the shapes Salesforce and stand-ins send (15- or 18-character ids, a trailing slash, extra
  // fields), so that every run has enough successes to check them: the fully random records above rarely are one.
  const wellFormedGrant = fc
    .record(
      {
        access_token: fc.constant('00D5g000004XyZa!AQ' + 'y'.repeat(90)),
        instance_url: fc.constantFrom(
          'https://acme.my.salesforce.com',
          'https://acme.my.salesforce.com/',
          'https://na1.salesforce.com',
        ),
        id: fc.constantFrom(
          `https://login.salesforce.com/id/${ORG}/${USER}`,
          `https://test.salesforce.com/id/${ORG.slice(0, 15)}/${USER.slice(0, 15)}`,
          `https://acme.my.salesforce.com/id/${ORG}/${USER}/`,
        ),
        scope: fc.constantFrom('api refresh_token', 'api web', 'full'),
        token_type: fc.constant('Bearer'),
        issued_at: anyValue,
      },
      { requiredKeys: ['access_token', 'instance_url', 'id'] },
    )
    .map((o) => JSON.stringify(o));
  const oauthError = fc
    .record({
      error: fc.oneof(
        fc.constantFrom(
          'invalid_grant',
          'invalid_client_id',
          'invalid_app_access',
          'unsupported_grant_type',
          'app_not_found',
          'invalid_client',
        ),
        anyString,
      ),
      error_description: fc.oneof(
        fc.constantFrom(
          "user hasn't approved this consumer",
          'audience is invalid',
          'expired authorization code',
          'inactive user',
          'ip restricted',
          'invalid assertion',
          'client identifier invalid',
        ),
        anyString,
        anyValue,
      ),
    })
    .map((o) => JSON.stringify(o));
  const html = fc
    .tuple(fc.option(fc.string({ maxLength: 100 })), fc.string({ maxLength: 200 }))
    .map(
      ([title, text]) =>
        `<html><head>${title === null ? '' : `<title>${title}</title>`}</head><body>${text}</body></html>`,
    );
  const huge = fc
    .constantFrom(MAX_BODY_BYTES + 1, MAX_BODY_BYTES * 2, MAX_BODY_BYTES - 100)
    .map((n) => `{"access_token":"${'a'.repeat(Math.max(0, n - 20))}"}`);
  const body = fc.oneof(
    { arbitrary: grantLike, weight: 5 },
    { arbitrary: wellFormedGrant, weight: 3 },
    { arbitrary: oauthError, weight: 4 },
    { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: html, weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)), weight: 1 },
    { arbitrary: anyString, weight: 1 },
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: huge, weight: 1 },
  );
  return fc.record({
    status: fc.oneof(
      { arbitrary: fc.constant(200), weight: 4 },
      { arbitrary: fc.constantFrom(400, 401, 403, 404, 500, 502, 503, 504), weight: 3 },
      fc.integer({ min: 200, max: 599 }),
    ),
    contentType: fc.option(
      fc.constantFrom(
        'application/json;charset=UTF-8',
        'text/html; charset=utf-8',
        'text/plain',
        'application/octet-stream',
        'application/json',
      ),
      { nil: undefined },
    ),
    body,
    date: fc.option(fc.oneof(fc.constant(new Date().toUTCString()), fc.string({ maxLength: 30 })), { nil: undefined }),
    mode: fc.oneof(
      { arbitrary: fc.constant<'normal'>('normal'), weight: 12 },
      fc.constantFrom<Answer['mode']>('cut-mid-body', 'destroy-before-headers', 'short-content-length'),
    ),
  });
}

describe('reliability: token exchange against generated answers, property-based', function () {
  this.timeout(180_000);
  let server: Server;
  let base: URL;
  let current: Answer;
  let requests = 0;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests++;
      req.resume();
      req.on('end', () => {
        const a = current;
        const bytes = Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body);
        if (a.mode === 'destroy-before-headers') {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = {};
        if (a.contentType) headers['Content-Type'] = a.contentType;
        if (a.date) headers.Date = a.date.replace(/[^\x20-\x7e]/g, '');
        if (a.mode === 'cut-mid-body') {
          res.writeHead(a.status, { ...headers, 'Content-Length': String(bytes.length + 10) });
          res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
          setTimeout(() => res.destroy(), 5);
          return;
        }
        if (a.mode === 'short-content-length') {
          res.writeHead(a.status, { ...headers, 'Content-Length': String(Math.floor(bytes.length / 2)) });
          res.end(bytes.subarray(0, Math.floor(bytes.length / 2)));
          return;
        }
        res.writeHead(a.status, { ...headers, 'Content-Length': String(bytes.length) });
        res.end(bytes);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('300 generated answers each end in a valid grant or a coded error naming the host, within the deadline', async () => {
    const host = base.host;
    let grants = 0;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(answerArbitrary(), async (answer) => {
        current = answer;
        const started = Date.now();
        let grant: TokenGrant;
        try {
          grant = await within(
            postAssertion(
              base,
              ASSERTION,
              { audience: 'https://login.salesforce.com', username: 'ci@acme.example', clientId: '3MVGCLIENT' },
              {
                deadline: Date.now() + 5000,
                timeoutSeconds: 5,
                retry: { attempts: 2, baseDelayMs: 1 },
                sleep: () => Promise.resolve(),
              },
            ),
            8000,
            'postAssertion',
          );
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('HANG')) throw error;
          expectCoded(error);
          codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
          expect(error.message, `${error.code} names the host`).to.include(host);
          expect(error.message).to.not.include(ASSERTION.split('.')[1]);
          expect(error.message).to.not.include(ASSERTION.split('.')[2]);
          expect(Date.now() - started).to.be.lessThan(7000);
          return;
        }
        grants++;
        expect(answer.status).to.equal(200);
        expect(grant.accessToken).to.be.a('string').and.not.equal('');
        expect(() => new URL(grant.instanceUrl)).to.not.throw();
        expect(grant.instanceUrl).to.not.match(/\/$/);
        expect(grant.orgId).to.match(/^[A-Za-z0-9]{15,18}$/);
        expect(grant.userId).to.match(/^[A-Za-z0-9]{15,18}$/);
        if (grant.scope !== undefined) expect(grant.scope).to.be.a('string');
        if (grant.serverDate !== undefined) expect(Number.isNaN(grant.serverDate.getTime())).to.equal(false);
      }),
      { numRuns: 300 },
    );
    expect(grants, 'some answers are grants').to.be.greaterThan(5);
    expect(requests).to.be.at.least(300);
    for (const code of ['UnexpectedResponse', 'ServerUnavailable', 'NetworkError']) {
      expect(codes.has(code), `${code} seen (seen: ${[...codes.keys()].join(', ')})`).to.equal(true);
    }
  });

  it('an answer larger than 1 MiB is refused as UnexpectedResponse, not buffered without limit', async () => {
    current = { status: 200, contentType: 'application/json', body: 'x'.repeat(MAX_BODY_BYTES * 3), mode: 'normal' };
    const error = await postAssertion(
      base,
      ASSERTION,
      { audience: 'a', username: 'u@x', clientId: 'c' },
      { deadline: Date.now() + 5000, timeoutSeconds: 5 },
    ).catch((e: unknown) => e);
    expectCoded(error, 'UnexpectedResponse');
    expect(error.message).to.include(base.host);
  });
});
