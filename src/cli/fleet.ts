/*
 * The fleet commands' shared flags, and the one place that turns them into a fleet: a manifest (--manifest), CumulusCI's
 * variables (--from-env cumulusci) or, for fleet check, every JWT auth of the sf store (--all); then --only.
 */
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { fleetFromCumulusci, fleetFromStore, readManifest, selectOrgs, type Fleet } from '../fleet/manifest.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'fleet');

export const FROM_ENV = ['cumulusci'] as const;

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
const sourceFlags = (sources: string[]) => ({
  manifest: Flags.file({ char: 'm', summary: messages.getMessage('flags.manifest.summary'), exactlyOne: sources }),
  'from-env': Flags.option({
    summary: messages.getMessage('flags.from-env.summary'),
    options: FROM_ENV,
    exactlyOne: sources,
  })(),
  only: Flags.string({ summary: messages.getMessage('flags.only.summary'), multiple: true, delimiter: ',' }),
});

/** --manifest or --from-env (exactly one), and --only. */
export const fleetSourceFlags = sourceFlags(['manifest', 'from-env']);

/** fleet check's sources: --manifest, --from-env or --all (exactly one), and --only. */
export const fleetCheckSourceFlags = {
  ...sourceFlags(['manifest', 'from-env', 'all']),
  all: Flags.boolean({
    summary: messages.getMessage('flags.all.summary'),
    exactlyOne: ['manifest', 'from-env', 'all'],
  }),
};

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
export const concurrencyFlag = (defaultValue: number) =>
  Flags.integer({ summary: messages.getMessage('flags.concurrency.summary'), default: defaultValue, min: 1, max: 64 });

/** --timeout, per org: each org's network work, retries included, has this long (its clock starts with its turn). */
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type
export const orgTimeoutFlag = (defaultSeconds: number) =>
  Flags.integer({
    summary: messages.getMessage('flags.timeout.summary'),
    default: defaultSeconds,
    min: 1,
    max: 3600,
  });

export const allowFailuresFlag = Flags.boolean({
  summary: messages.getMessage('flags.allow-failures.summary'),
  default: false,
});

export type FleetSourceFlagValues = {
  manifest?: string;
  'from-env'?: (typeof FROM_ENV)[number];
  all?: boolean;
  only?: string[];
};

/** The fleet the flags name (exactly one source), restricted to --only. */
export async function fleetFromFlags(
  flags: FleetSourceFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Fleet> {
  const fleet = flags.manifest
    ? await readManifest(flags.manifest)
    : flags['from-env'] === 'cumulusci'
      ? fleetFromCumulusci(env)
      : await fleetFromStore();
  return selectOrgs(fleet, flags.only);
}
