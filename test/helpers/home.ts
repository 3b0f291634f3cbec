/*
 * An isolated HOME for code that runs in the test process: ~/.sfdx and ~/.sf private to the test, the environment
 * list of env.ts applied, core's state caches cleared; restore() puts everything back and removes the folder.
 */
import { rm } from 'node:fs/promises';
import { ConfigAggregator, StateAggregator } from '@salesforce/core';
import { CLEARED_ENV, SF_ENV } from './env.js';
import { tempDir } from './temp.js';

export type Home = {
  home: string;
  setEnv: (name: string, value: string | undefined) => void;
  restore: () => Promise<void>;
};

export async function isolatedHome(): Promise<Home> {
  const home = await tempDir('sfjwt-home-');
  const saved = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string | undefined): void => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  setEnv('HOME', home);
  for (const [k, v] of Object.entries(SF_ENV)) setEnv(k, v);
  for (const k of CLEARED_ENV) setEnv(k, undefined);
  StateAggregator.clearInstance();
  await ConfigAggregator.clearInstance();
  return {
    home,
    setEnv,
    restore: async (): Promise<void> => {
      StateAggregator.clearInstance();
      await ConfigAggregator.clearInstance();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(home, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
