/*
 * An app's consumer key, known from up to three places, resolved in one order: the flag (--consumer-key in bootstrap,
 * --client-id in rotate), then the org's app (a retrieve returns it unless the org withholds consumer secrets), then
 * the local metadata (the app's source in the project). The first known one is used; a place that knows another
 * value is ConsumerKeyConflict, naming both, since one of them would break the pipeline's logins.
 */
import { jwtError, reason } from '../errors.js';

export type ConsumerKeySource = 'flag' | 'org' | 'local';

export type ConsumerKeyInputs = {
  app: string;
  /** The flag's value (validated) and its name, as the command spells it. */
  flag?: { value: string; name: string };
  org?: string;
  /** The local metadata's key and where it was found (the folder searched). */
  local?: { value: string; where: string };
};

export type ResolvedConsumerKey = { consumerKey: string; source: ConsumerKeySource } | undefined;

/** The one order: the first place that knows the key wins. */
export const CONSUMER_KEY_ORDER: readonly ConsumerKeySource[] = ['flag', 'org', 'local'];

export function resolveConsumerKey(inputs: ConsumerKeyInputs): ResolvedConsumerKey {
  const places: Record<ConsumerKeySource, { value: string; label: string } | undefined> = {
    flag: inputs.flag && { value: inputs.flag.value, label: reason('consumerKey.source.flag', [inputs.flag.name]) },
    org: inputs.org ? { value: inputs.org, label: reason('consumerKey.source.org') } : undefined,
    local: inputs.local && {
      value: inputs.local.value,
      label: reason('consumerKey.source.local', [inputs.local.where]),
    },
  };
  const known = CONSUMER_KEY_ORDER.flatMap((source) => {
    const place = places[source];
    return place ? [{ ...place, source }] : [];
  });
  const [first, ...rest] = known;
  if (!first) return undefined;
  const other = rest.find((k) => k.value !== first.value);
  if (other) {
    throw jwtError(
      'ConsumerKeyConflict',
      [inputs.app, first.value, first.label, other.value, other.label],
      [inputs.flag?.name ?? '--consumer-key'],
    );
  }
  return { consumerKey: first.value, source: first.source };
}
