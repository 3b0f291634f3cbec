/*
 * GitHub's Actions secrets REST API (X-GitHub-Api-Version 2022-11-28), repository and environment secrets, on
 * 127.0.0.1. Each repository and environment has its own X25519 key pair; a PUT's sealed box is really opened with the
 * private key (libsodium crypto_box_seal_open), so tests can read the plaintext a push stored (secret()).
 *
 * Answers as documented and as seen in GitHub's answers quoted in public issues:
 *   401 {"message":"Requires authentication"} without a token, {"message":"Bad credentials"} with an unknown one;
 *   404 {"message":"Not Found"} for a repository the token cannot see (GitHub hides private repositories), an
 *       environment or a secret that does not exist;
 *   403 {"message":"Resource not accessible by personal access token"} with X-Accepted-GitHub-Permissions when the
 *       token lacks the Secrets permission (read for the public key and metadata, write for PUT and DELETE);
 *   422 for a bad name ("Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or
 *       underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).",
 *       "Secret names must not start with GITHUB_."), a missing key_id ("Invalid request.\n\n\"key_id\" wasn't
 *       supplied."), and (texts assumed) a key_id that is not the current key's, a box that does not open, a value
 *       over 48 KB, the 101st secret of a repository;
 *   400 for an X-GitHub-Api-Version it does not serve;
 *   PUT 201 (created) or 204 (updated); names are case-insensitive and stored upper-case; GET of a secret gives
 *   {name, created_at, updated_at}, never the value.
 */
import sodiumModule from 'libsodium-wrappers';
import { LoopbackServer, type Answer, type Request } from './server.js';

const sodium = sodiumModule as unknown as typeof import('libsodium-wrappers');

export type GitHubRepo = { owner: string; repo: string; environments?: string[] };

export type GitHubToken = {
  token: string;
  /** "owner/repo" the token can see ("*": every one). */
  repos: string[];
  /** The Secrets permission: write (default), read, or none. */
  secrets?: 'write' | 'read' | 'none';
};

export type GitHubEmulatorOptions = {
  repos?: GitHubRepo[];
  tokens?: GitHubToken[];
  port?: number;
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string };
};

export type StoredSecret = { name: string; value: string; created_at: string; updated_at: string };

type KeyPair = { keyId: string; publicKey: Uint8Array; privateKey: Uint8Array };
type Holder = { keys: KeyPair; secrets: Map<string, StoredSecret> };
type Repo = { owner: string; repo: string; id: number; holder: Holder; environments: Map<string, Holder> };

const DOCS = 'https://docs.github.com/rest/actions/secrets';
const NAME_RULE =
  'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).';
export const MAX_SECRET_BYTES = 48 * 1024;
const MAX_SECRETS = 100;
/** The REST API versions GitHub serves (a request naming another gets 400). */
const API_VERSIONS = ['2022-11-28', '2026-03-10'];

const error = (status: number, message: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { message, documentation_url: DOCS, status: String(status) },
  headers,
});

/** GitHub's timestamps: seconds, Z. */
const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class GitHubSecretsEmulator extends LoopbackServer {
  /** Every encrypted_value a PUT carried (to check that none leaks into output). */
  public readonly sealedValues: string[] = [];
  private readonly repos = new Map<string, Repo>();
  private readonly tokens = new Map<string, GitHubToken>();
  private nextId = 1000;
  private nextKeyId = 3_380_204_578_043_523_366n;

  public constructor(private readonly options: GitHubEmulatorOptions = {}) {
    super(options.port, options.tls);
  }

  public async start(): Promise<string> {
    await sodium.ready;
    for (const r of this.options.repos ?? []) this.addRepo(r);
    for (const t of this.options.tokens ?? []) this.addToken(t);
    return super.start();
  }

  public addRepo(r: GitHubRepo): void {
    const key = `${r.owner}/${r.repo}`.toLowerCase();
    const repo: Repo = this.repos.get(key) ?? {
      owner: r.owner,
      repo: r.repo,
      id: this.nextId++,
      holder: this.holder(),
      environments: new Map(),
    };
    for (const env of r.environments ?? []) if (!repo.environments.has(env)) repo.environments.set(env, this.holder());
    this.repos.set(key, repo);
  }

  public addToken(t: GitHubToken): void {
    this.tokens.set(t.token, t);
  }

  /** The plaintext a push stored (undefined when there is no such secret). */
  public secret(ownerRepo: string, name: string, environment?: string): StoredSecret | undefined {
    const holder = this.holderOf(ownerRepo, environment);
    return holder?.secrets.get(name.toUpperCase());
  }

  /** Every secret of a repository (or environment), by name. */
  public secrets(ownerRepo: string, environment?: string): Record<string, string> {
    const holder = this.holderOf(ownerRepo, environment);
    return Object.fromEntries([...(holder?.secrets.values() ?? [])].map((s) => [s.name, s.value]));
  }

  /** Give a repository (or environment) a new key pair, as GitHub may. */
  public rotatePublicKey(ownerRepo: string, environment?: string): void {
    const holder = this.holderOf(ownerRepo, environment);
    if (holder) holder.keys = this.keyPair();
  }

  protected handle(req: Request): Answer {
    const auth = String(req.headers.authorization ?? '');
    if (!auth) return error(401, 'Requires authentication');
    const match = /^(?:Bearer|token)\s+(.+)$/i.exec(auth);
    const token = match ? this.tokens.get(match[1].trim()) : undefined;
    if (!token) return error(401, 'Bad credentials');
    const version = req.headers['x-github-api-version'];
    if (version !== undefined && !API_VERSIONS.includes(String(version))) {
      return error(
        400,
        `Unsupported 'X-GitHub-Api-Version' header. The supported versions are ${API_VERSIONS.join(', ')}.`,
      );
    }

    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'repos' || parts.length < 3) return error(404, 'Not Found');
    const repo = this.repos.get(`${parts[1]}/${parts[2]}`.toLowerCase());
    const visible =
      repo !== undefined &&
      (token.repos.includes('*') ||
        token.repos.some((r) => r.toLowerCase() === `${parts[1]}/${parts[2]}`.toLowerCase()));
    if (!repo || !visible) return error(404, 'Not Found');
    const rest = parts.slice(3);

    if (rest.length === 0 && req.method === 'GET') {
      return {
        status: 200,
        body: {
          id: repo.id,
          name: repo.repo,
          full_name: `${repo.owner}/${repo.repo}`,
          private: true,
          owner: { login: repo.owner },
        },
      };
    }
    let holder: Holder | undefined;
    let secretsPath: string[];
    if (rest[0] === 'actions' && rest[1] === 'secrets') {
      holder = repo.holder;
      secretsPath = rest.slice(2);
    } else if (rest[0] === 'environments' && rest.length >= 2) {
      holder = repo.environments.get(rest[1]);
      if (!holder) return error(404, 'Not Found');
      if (rest.length === 2 && req.method === 'GET') return { status: 200, body: { name: rest[1] } };
      if (rest[2] !== 'secrets') return error(404, 'Not Found');
      secretsPath = rest.slice(3);
    } else return error(404, 'Not Found');

    const permission = token.secrets ?? 'write';
    const write = req.method === 'PUT' || req.method === 'DELETE';
    if (permission === 'none' || (write && permission !== 'write')) {
      return error(403, 'Resource not accessible by personal access token', {
        'X-Accepted-GitHub-Permissions': `secrets=${write ? 'write' : 'read'}`,
      });
    }

    if (secretsPath.length === 0 && req.method === 'GET') {
      const secrets = [...holder.secrets.values()].map(({ name, created_at, updated_at }) => ({
        name,
        created_at,
        updated_at,
      }));
      return { status: 200, body: { total_count: secrets.length, secrets } };
    }
    if (secretsPath.length === 1 && secretsPath[0] === 'public-key' && req.method === 'GET') {
      return {
        status: 200,
        body: {
          key_id: holder.keys.keyId,
          key: sodium.to_base64(holder.keys.publicKey, sodium.base64_variants.ORIGINAL),
        },
      };
    }
    if (secretsPath.length !== 1) return error(404, 'Not Found');
    const name = secretsPath[0];
    const stored = holder.secrets.get(name.toUpperCase());
    switch (req.method) {
      case 'GET':
        if (!stored) return error(404, 'Not Found');
        return {
          status: 200,
          body: { name: stored.name, created_at: stored.created_at, updated_at: stored.updated_at },
        };
      case 'DELETE':
        if (!stored) return error(404, 'Not Found');
        holder.secrets.delete(name.toUpperCase());
        return { status: 204 };
      case 'PUT':
        return this.put(holder, name, req);
      default:
        return error(404, 'Not Found');
    }
  }

  private put(holder: Holder, name: string, req: Request): Answer {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return error(422, NAME_RULE);
    if (/^GITHUB_/i.test(name)) return error(422, 'Secret names must not start with GITHUB_.');
    if (req.malformed || !req.body) return error(400, 'Problems parsing JSON');
    const { encrypted_value: sealed, key_id: keyId } = req.body as { encrypted_value?: unknown; key_id?: unknown };
    if (typeof keyId !== 'string' || keyId === '') return error(422, 'Invalid request.\n\n"key_id" wasn\'t supplied.');
    if (typeof sealed !== 'string') return error(422, 'Invalid request.\n\n"encrypted_value" wasn\'t supplied.');
    this.sealedValues.push(sealed);
    if (keyId !== holder.keys.keyId) return error(422, "Bad request - the key_id is not the current public key's.");
    let value: string;
    try {
      const opened = sodium.crypto_box_seal_open(
        sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
        holder.keys.publicKey,
        holder.keys.privateKey,
      );
      value = new TextDecoder('utf-8', { fatal: true }).decode(opened);
    } catch {
      return error(422, 'Bad request - the encrypted_value could not be decrypted with the public key.');
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES)
      return error(422, 'Secret value is too large (48 KB at most).');
    const upper = name.toUpperCase();
    const existing = holder.secrets.get(upper);
    if (!existing && holder.secrets.size >= MAX_SECRETS)
      return error(422, 'Secret limit exceeded (100 per repository).');
    const at = now();
    holder.secrets.set(upper, { name: upper, value, created_at: existing?.created_at ?? at, updated_at: at });
    return existing ? { status: 204 } : { status: 201, body: {} };
  }

  private holderOf(ownerRepo: string, environment?: string): Holder | undefined {
    const repo = this.repos.get(ownerRepo.toLowerCase());
    if (!repo) return undefined;
    return environment === undefined ? repo.holder : repo.environments.get(environment);
  }

  private holder(): Holder {
    return { keys: this.keyPair(), secrets: new Map() };
  }

  private keyPair(): KeyPair {
    const pair = sodium.crypto_box_keypair();
    this.nextKeyId += 1n;
    return { keyId: String(this.nextKeyId), publicKey: pair.publicKey, privateKey: pair.privateKey };
  }
}
