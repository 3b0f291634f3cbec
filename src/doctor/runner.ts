/*
 * Doctor: check everything that can be checked about a JWT setup, locally first, then one exchange and one REST call.
 * Never stops at the first problem. The runner resolves the inputs once, starts every group of the catalogue (a group
 * whose required condition is missing reports its skips), hands each group the facts it needs as the groups that
 * provide them settle, lets groups review their checks once all have reported, and returns the checks as data, in
 * catalogue order. Everything a run knows lives in that run: runs may go on concurrently (fleet check).
 */
import type { Check } from '../report/check.js';
import { ASSERTION_HEADER, type AssertionClaims } from '../jwt/assertion.js';
import { CATALOGUE, type DoctorCheckId } from './catalogue.js';
import { readInputs, type DoctorInputs, type DoctorOptions } from './context.js';
import { meets, type CheckGroup, type ExchangeFacts, type FactName, type Facts, type GroupResult } from './group.js';

export type { DoctorOptions } from './context.js';

export type DoctorReport = {
  ok: boolean;
  checks: Array<Check<DoctorCheckId>>;
  assertion?: { header: typeof ASSERTION_HEADER; claims: AssertionClaims };
  exchange?: ExchangeFacts;
};

type AnyGroup = CheckGroup<string, FactName, FactName>;

/**
 * Run `groups` for `inputs`: each group's checks (in the order given) and every fact provided. The catalogue lists a
 * provider before every group that needs its fact (a unit test checks it).
 */
export async function runGroups(
  groups: readonly AnyGroup[],
  inputs: DoctorInputs,
): Promise<{ checks: Check[][]; facts: Partial<Facts> }> {
  const provided = new Map<FactName, Promise<unknown>>();
  const started: Array<Promise<GroupResult<string, FactName>>> = [];
  for (const group of groups) {
    // A need that no earlier group of this run provides settles as undefined: a run of some groups only (the sf doctor
    // hook runs stored-auth without the key group) gets what the group does without that fact.
    const needed = Object.fromEntries(
      group.needs.map((name) => [name, provided.get(name) ?? Promise.resolve(undefined)]),
    ) as { [K in FactName]: Promise<Facts[K] | undefined> };
    const missing = group.requires.find((condition) => !meets(condition, inputs));
    const result: Promise<GroupResult<string, FactName>> = missing
      ? Promise.resolve({ checks: group.skipped(missing, inputs) })
      : group.run(inputs, needed);
    started.push(result);
    for (const name of group.provides) {
      provided.set(
        name,
        result.then(
          (r) => r.facts?.[name],
          () => undefined,
        ),
      );
    }
  }
  const results = await Promise.all(started);
  const facts: Partial<Facts> = {};
  for (const [index, group] of groups.entries()) {
    for (const name of group.provides) Object.assign(facts, { [name]: results[index].facts?.[name] });
  }
  const checks = results.map((r) => r.checks);
  const all = checks.flat();
  return {
    checks: groups.map((group, index) => group.review?.(inputs, facts, checks[index], all) ?? checks[index]),
    facts,
  };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const inputs = await readInputs(options);
  const { checks, facts } = await runGroups(CATALOGUE, inputs);
  const flat = checks.flat() as Array<Check<DoctorCheckId>>;
  return {
    ok: !flat.some((c) => c.status === 'fail'),
    checks: flat,
    assertion: facts.claims ? { header: ASSERTION_HEADER, claims: facts.claims } : undefined,
    exchange: facts.exchange?.facts,
  };
}
