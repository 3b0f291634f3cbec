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

export function resolveConsumerKey(inputs: ConsumerKeyInputs): ResolvedConsumerKey {
  const known: Array<{ value: string; source: ConsumerKeySource; label: string }> = [];
  if (inputs.flag)
    known.push({ ...inputs.flag, source: 'flag', label: reason('consumerKey.source.flag', [inputs.flag.name]) });
  if (inputs.org) known.push({ value: inputs.org, source: 'org', label: reason('consumerKey.source.org') });
  if (inputs.local) {
    known.push({
      value: inputs.local.value,
      source: 'local',
      label: reason('consumerKey.source.local', [inputs.local.where]),
    });
  }
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
