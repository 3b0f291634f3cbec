/*
 * What a push needs of a secret store, whatever the platform: check that the target is there and the token may use
 * it (pre-flight, reads only), write one secret (created or updated, confirmed), and undo a write (delete what was
 * created, put back what was updated when the old value is known).
 */
import { jwtError, reason } from '../errors.js';
import { apiMessage, ApiUnreachable, PLATFORM_NAMES, type ApiAnswer, type ApiClient } from './api.js';
import type { Secret } from './names.js';
import type { PushTarget } from './targets.js';

export type WriteResult = {
  name: string;
  result: 'created' | 'updated';
  /** GitHub: the secret's updated_at as read back after the write. */
  updatedAt?: string;
  /** GitLab: whether the variable is masked, and protected. */
  masked?: boolean;
  protected?: boolean;
};

export type UndoResult = 'deleted' | 'restored' | 'unknown-old-value';

export type SecretStore = {
  readonly target: PushTarget;
  readonly client: ApiClient;
  /** Pre-flight: the target exists and the token may write to it (as far as a read can tell). */
  check(): Promise<void>;
  write(secret: Secret): Promise<WriteResult>;
  /** Undo a write of this run; `oldValue` is the value the secret held before, when the caller knows it. */
  undo(written: WriteResult, oldValue?: Secret): Promise<UndoResult>;
};

/** A write (or undo) that did not happen, with the platform's reason. */
export class WriteFailure extends Error {
  public constructor(detail: string) {
    super(detail);
    this.name = 'WriteFailure';
  }
}

/** The platform's answer as a WriteFailure. */
export function failureOf(client: ApiClient, answer: ApiAnswer): WriteFailure {
  return new WriteFailure(reason('push.failure.status', [client.host, answer.status, apiMessage(answer)]));
}

/** A call in the pre-flight: an unreachable API is PushApiFailed. */
export async function preflightCall(client: ApiClient, run: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ApiUnreachable)) throw error;
    throw jwtError(
      'PushApiFailed',
      [PLATFORM_NAMES[client.settings.platform], client.settings.base, error.message],
      [client.settings.baseSource === 'default' ? client.settings.base : client.settings.baseSource],
    );
  }
}

/** A call in a write: an unreachable API is a WriteFailure. */
export async function writeCall(run: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiUnreachable) throw new WriteFailure(error.message);
    throw error;
  }
}

/** The pre-flight's verdict on an answer that is not 2xx: not found, forbidden, or an API that cannot be used. */
export function refusal(
  client: ApiClient,
  target: PushTarget,
  answer: ApiAnswer,
  notFoundWhy: string,
): ReturnType<typeof jwtError> {
  const platform = client.settings.platform;
  const name = PLATFORM_NAMES[platform];
  if (answer.status === 404) {
    return jwtError(
      'PushTargetNotFound',
      [target.spec, name, notFoundWhy],
      [reason(`push.fix.notFound.${platform}`, [target.spec, client.settings.tokenVariable])],
    );
  }
  if (answer.status === 401 || answer.status === 403) {
    const accepted = answer.headers['x-accepted-github-permissions'];
    const message = apiMessage(answer) + (typeof accepted === 'string' ? ` (${accepted})` : '');
    return jwtError(
      'PushForbidden',
      [name, client.settings.tokenVariable, target.spec, answer.status, message],
      [reason(`push.fix.forbidden.${platform}`)],
    );
  }
  return jwtError(
    'PushApiFailed',
    [name, client.settings.base, reason('push.api.status', [answer.status, apiMessage(answer)])],
    [client.settings.baseSource === 'default' ? client.settings.base : client.settings.baseSource],
  );
}
