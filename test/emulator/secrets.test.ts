/*
 * The secret-store emulators answer as GitHub's Actions secrets API and GitLab's project variables API do: the
 * status codes and bodies a client meets, the naming and masking rules, and sealed boxes really opened.
 */
import { expect } from 'chai';
import sodiumModule from 'libsodium-wrappers';
import { GitHubSecretsEmulator, GitLabVariablesEmulator } from './secrets/index.js';

const sodium = sodiumModule as unknown as typeof import('libsodium-wrappers');

type Reply = { status: number; body: Record<string, unknown> | undefined; headers: Headers };

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    headers: res.headers,
  };
}

describe('secret-store emulators', () => {
  describe('GitHub Actions secrets', () => {
    let gh: GitHubSecretsEmulator;
    const auth = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

    before(async () => {
      gh = new GitHubSecretsEmulator({
        repos: [
          { owner: 'acme', repo: 'app', environments: ['production'] },
          { owner: 'acme', repo: 'hidden' },
        ],
        tokens: [
          { token: 'write', repos: ['acme/app'] },
          { token: 'read', repos: ['acme/app'], secrets: 'read' },
          { token: 'none', repos: ['acme/app'], secrets: 'none' },
        ],
      });
      await gh.start();
      await sodium.ready;
    });
    after(async () => gh.stop());

    const seal = async (
      value: string,
      path: string,
      token = 'write',
    ): Promise<{ encrypted_value: string; key_id: string }> => {
      const key = await call(`${gh.url}${path}/public-key`, { headers: auth(token) });
      const sealed = sodium.crypto_box_seal(
        sodium.from_string(value),
        sodium.from_base64(key.body?.key as string, sodium.base64_variants.ORIGINAL),
      );
      return {
        encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL),
        key_id: key.body?.key_id as string,
      };
    };
    const put = (path: string, body: unknown, token = 'write'): Promise<Reply> =>
      call(`${gh.url}${path}`, {
        method: 'PUT',
        headers: { ...auth(token), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('401 without a token and with an unknown one', async () => {
      expect(await call(`${gh.url}/repos/acme/app`)).to.deep.include({ status: 401 });
      const bad = await call(`${gh.url}/repos/acme/app`, { headers: auth('nope') });
      expect(bad.status).to.equal(401);
      expect(bad.body?.message).to.equal('Bad credentials');
    });

    it('400 for an API version GitHub does not serve', async () => {
      const r = await call(`${gh.url}/repos/acme/app`, {
        headers: { ...auth('write'), 'X-GitHub-Api-Version': '2020-01-01' },
      });
      expect(r.status).to.equal(400);
      expect(
        (
          await call(`${gh.url}/repos/acme/app`, {
            headers: { ...auth('write'), 'X-GitHub-Api-Version': '2022-11-28' },
          })
        ).status,
      ).to.equal(200);
    });

    it('404 for a repository the token cannot see, as for one that does not exist', async () => {
      for (const repo of ['acme/hidden', 'acme/nothing']) {
        // eslint-disable-next-line no-await-in-loop
        const r = await call(`${gh.url}/repos/${repo}/actions/secrets/public-key`, { headers: auth('write') });
        expect(r.status, repo).to.equal(404);
        expect(r.body?.message).to.equal('Not Found');
      }
      expect(
        (await call(`${gh.url}/repos/acme/app/environments/staging/secrets/public-key`, { headers: auth('write') }))
          .status,
      ).to.equal(404);
    });

    it('403 with the permission needed when the token lacks Secrets read or write', async () => {
      const none = await call(`${gh.url}/repos/acme/app/actions/secrets/public-key`, { headers: auth('none') });
      expect(none.status).to.equal(403);
      expect(none.headers.get('x-accepted-github-permissions')).to.equal('secrets=read');
      const body = await seal('value-1', '/repos/acme/app/actions/secrets', 'read');
      const denied = await put('/repos/acme/app/actions/secrets/X', body, 'read');
      expect(denied.status).to.equal(403);
      expect(denied.headers.get('x-accepted-github-permissions')).to.equal('secrets=write');
    });

    it('PUT opens the sealed box: 201 created, 204 updated; names upper-case; GET gives metadata, never the value', async () => {
      const path = '/repos/acme/app/actions/secrets';
      expect((await put(`${path}/my_secret`, await seal('first value', path))).status).to.equal(201);
      expect(gh.secret('acme/app', 'MY_SECRET')?.value).to.equal('first value');
      expect((await put(`${path}/MY_SECRET`, await seal('second value', path))).status).to.equal(204);
      expect(gh.secret('acme/app', 'my_secret')?.value).to.equal('second value');
      const meta = await call(`${gh.url}${path}/MY_SECRET`, { headers: auth('write') });
      expect(meta.status).to.equal(200);
      expect(Object.keys(meta.body ?? {}).sort()).to.deep.equal(['created_at', 'name', 'updated_at']);
      expect(meta.body?.name).to.equal('MY_SECRET');
      const envPath = '/repos/acme/app/environments/production/secrets';
      expect((await put(`${envPath}/MY_SECRET`, await seal('prod value', envPath))).status).to.equal(201);
      expect(gh.secret('acme/app', 'MY_SECRET', 'production')?.value).to.equal('prod value');
      expect(gh.secret('acme/app', 'MY_SECRET')?.value).to.equal('second value');
    });

    it('422 for names GitHub refuses, a missing key_id, another key, and a box that does not open', async () => {
      const path = '/repos/acme/app/actions/secrets';
      const body = await seal('value-2', path);
      expect((await put(`${path}/1ABC`, body)).body?.message).to.match(/^Secret names can only contain alphanumeric/);
      expect((await put(`${path}/A-B`, body)).status).to.equal(422);
      expect((await put(`${path}/GITHUB_X`, body)).body?.message).to.equal('Secret names must not start with GITHUB_.');
      expect((await put(`${path}/OK`, { encrypted_value: body.encrypted_value })).body?.message).to.match(
        /"key_id" wasn't supplied/,
      );
      expect((await put(`${path}/OK`, { ...body, key_id: '1' })).status).to.equal(422);
      const other = await seal('value-3', '/repos/acme/app/environments/production/secrets');
      expect(
        (await put(`${path}/OK`, { encrypted_value: other.encrypted_value, key_id: body.key_id })).status,
      ).to.equal(422);
      expect(gh.secret('acme/app', 'OK')).to.equal(undefined);
    });
  });

  describe('GitLab project variables', () => {
    let gl: GitLabVariablesEmulator;
    const headers = (token = 'maint'): Record<string, string> => ({
      'PRIVATE-TOKEN': token,
      'Content-Type': 'application/json',
    });
    const vars = (): string => `${gl.apiUrl}/projects/${encodeURIComponent('acme/app')}/variables`;

    before(async () => {
      gl = new GitLabVariablesEmulator({
        projects: [{ path: 'acme/app', id: 7 }, { path: 'acme/other' }],
        tokens: [
          { token: 'maint', projects: { 'acme/app': 'maintainer' } },
          { token: 'dev', projects: { 'acme/app': 'developer' } },
        ],
      });
      await gl.start();
    });
    after(async () => gl.stop());

    it('401 without a valid token; 404 for a project the user cannot see; 403 below Maintainer', async () => {
      expect((await call(vars())).body?.message).to.equal('401 Unauthorized');
      const other = await call(`${gl.apiUrl}/projects/${encodeURIComponent('acme/other')}`, { headers: headers() });
      expect(other).to.deep.include({ status: 404 });
      expect(other.body?.message).to.equal('404 Project Not Found');
      expect((await call(`${gl.apiUrl}/projects/7`, { headers: headers('dev') })).status).to.equal(200);
      expect((await call(vars(), { headers: headers('dev') })).body?.message).to.equal('403 Forbidden');
    });

    it('creates; refuses a duplicate in the same scope, a bad key and unmaskable values (raw and expanded rules)', async () => {
      const post = (body: Record<string, unknown>): Promise<Reply> =>
        call(vars(), { method: 'POST', headers: headers(), body: JSON.stringify(body) });
      const created = await post({ key: 'K', value: 'value one', protected: true });
      expect(created.status).to.equal(201);
      expect(created.body).to.include({
        key: 'K',
        value: 'value one',
        protected: true,
        masked: false,
        environment_scope: '*',
      });
      expect((await post({ key: 'K', value: 'x' })).body?.message).to.deep.equal({
        key: ['(K) has already been taken'],
      });
      expect((await post({ key: 'K', value: 'x', environment_scope: 'production' })).status).to.equal(201);
      expect((await post({ key: 'A-B', value: 'x' })).body?.message).to.have.key('key');
      const pem = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
      expect((await post({ key: 'M1', value: pem, masked: true, raw: true })).body?.message).to.deep.equal({
        value: ['is invalid'],
      });
      expect((await post({ key: 'M2', value: 'has$dollar!', masked: true })).status).to.equal(400);
      expect((await post({ key: 'M3', value: 'has$dollar!', masked: true, raw: true })).status).to.equal(201);
      expect((await post({ key: 'M4', value: Buffer.from(pem).toString('base64'), masked: true })).status).to.equal(
        201,
      );
      expect((await post({ key: 'M5', value: 'short', masked: true, raw: true })).status).to.equal(400);
    });

    it('a key in two scopes: 409 without filter[environment_scope], the right one with it', async () => {
      const conflict = await call(`${vars()}/K`, {
        method: 'PUT',
        headers: headers(),
        body: JSON.stringify({ value: 'new' }),
      });
      expect(conflict.status).to.equal(409);
      expect(conflict.body?.message).to.match(/Please use 'filter\[environment_scope\]'/);
      const put = await call(`${vars()}/K?filter%5Benvironment_scope%5D=production`, {
        method: 'PUT',
        headers: headers(),
        body: JSON.stringify({ value: 'prod new' }),
      });
      expect(put.status).to.equal(200);
      expect(gl.variable('acme/app', 'K', 'production')?.value).to.equal('prod new');
      expect(gl.variable('acme/app', 'K', '*')?.value).to.equal('value one');
      expect((await call(`${vars()}/NOPE`, { headers: headers() })).body?.message).to.equal('404 Variable Not Found');
    });
  });
});
