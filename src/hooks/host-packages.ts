/*
 * One @salesforce/core per sf process.
 *
 * `sf plugins install` puts this plugin and its dependencies in sf's data folder ($HOME/.local/share/sf/node_modules),
 * so the installed plugin loaded a second @salesforce/core (and with it jsforce, undici, zod, pino, ...) on top of
 * the copy sf has already loaded. Measured on the packed install (bench/README.md, "Where the time goes"): a login
 * loaded 2828 modules (17 MB of source) against 1793 for `sf org login jwt`; 1143 of them were second copies of
 * packages sf had loaded, nearly all of them @salesforce/core's tree.
 *
 * So before any command module of this plugin is imported (the init hook), a module resolve hook sends the imports
 * of the packages below to the copy that the running sf CLI resolves from its own root (oclif's config.root) when:
 * - the importer is this plugin or one of the packages installed beside it (its own root, or the node_modules
 *   folder that holds it), never sf's own code or a linked checkout's;
 * - the CLI's copy is a release that satisfies the range the importer declares (package.json), as npm would have
 *   accepted it; otherwise the importer keeps its own copy (always correct, only dearer).
 * What one copy also gives: one SfError class (instanceof holds across sf and the plugin), one Logger (one log-file
 * worker: see src/cli/sf-logger.ts, which keeps the fallback), one Lifecycle, and the store format of the running sf.
 * Types are this plugin's own copy's (compile time); the CLI's copy satisfies the same range at run time.
 *
 * Shared: @salesforce/core and the two small libraries that every copy of it brings and that sf has loaded at start
 * (kit, ts-types), and @salesforce/sf-plugins-core. The last one matters for every command, org or not: the
 * plugin's own copy (13.0.7) brings @oclif/core 5, @oclif/table 1 and their small packages, about 200 modules that
 * sf (13.0.3 on @oclif/core 4, loaded at start) holds in another line (bench row 8: `app` and `keygen` above the
 * floor by that much). 13.0.3 and 13.0.7 ship the same lib/ (only their dependency ranges differ), so the plugin
 * declares `^13.0.3` and runs on sf's copy, with sf's oclif, when the running sf's version satisfies it. The plugin
 * imports nothing from @oclif/core itself; an older or newer major line of sf keeps the plugin's own copies.
 *
 * module.registerHooks (Node ≥ 22.15) runs in the loading thread and sees both import and require (jsforce and the
 * metadata library require @salesforce/core from CommonJS). On an older Node nothing is registered: the plugin
 * keeps its own copy as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { basename, dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { satisfies } from './version-range.js';

/** The packages whose imports go to the running CLI's copy when its version satisfies the importer's range. */
export const SHARED_PACKAGES: readonly string[] = [
  '@salesforce/core',
  '@salesforce/kit',
  '@salesforce/ts-types',
  '@salesforce/sf-plugins-core',
];

export type ShareOptions = {
  /** the running CLI's root folder (oclif's config.root) */
  cliRoot: string;
  /** this plugin's root folder */
  pluginRoot: string;
  packages?: readonly string[];
};

/** A decision the resolver made: which copy an import of a shared package went to, and why. */
export type Decision = {
  name: string;
  importer: string;
  to: 'host' | 'own';
  reason: 'satisfies' | 'no-range' | 'range-not-satisfied' | 'no-host-copy';
  hostVersion?: string;
  range?: string;
};

export type ShareResult =
  | { status: 'registered'; decisions: Decision[]; deregister(): void }
  | { status: 'same-root' | 'unsupported' | 'already' };

type ResolveContext = { conditions?: readonly string[]; parentURL?: string; importAttributes?: object };
type ResolveResult = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context?: ResolveContext) => ResolveResult;
type RegisterHooks = (hooks: {
  resolve: (specifier: string, context: ResolveContext, next: NextResolve) => ResolveResult;
}) => { deregister(): void };

let active: { cliRoot: string; pluginRoot: string } | undefined;

/** The package name of a bare specifier ('@scope/x/y' -> '@scope/x', 'x/y' -> 'x'); undefined otherwise. */
function packageName(specifier: string): string | undefined {
  const first = specifier.charCodeAt(0);
  // '.', '/', '#' (imports map) and URLs / node: built-ins are not packages
  if (first === 46 || first === 47 || first === 35 || specifier.includes(':')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Sends this plugin's imports of the shared packages to the running CLI's copies (see above). Idempotent: the
 * first registration in a process holds. Returns what it did; `decisions` fills in as modules load.
 */
export function shareHostPackages(options: ShareOptions): ShareResult {
  if (active) return { status: 'already' };
  const cliRoot = options.cliRoot.replace(/[\\/]+$/, '');
  const pluginRoot = options.pluginRoot.replace(/[\\/]+$/, '');
  // a linked checkout or `bin/dev.js`: the plugin is the CLI, one tree, nothing to share
  if (cliRoot === pluginRoot) return { status: 'same-root' };
  const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks !== 'function') return { status: 'unsupported' };

  const shared = new Set(options.packages ?? SHARED_PACKAGES);
  // Importers that are ours: the plugin's root, and the node_modules folder it was installed in (its dependencies)
  const scopes = [pluginRoot + sep];
  const parent = dirname(pluginRoot);
  if (basename(parent) === 'node_modules') scopes.push(parent + sep);
  else if (basename(dirname(parent)) === 'node_modules' && basename(parent).startsWith('@'))
    scopes.push(dirname(parent) + sep);
  const inScope = (file: string): boolean => scopes.some((s) => file.startsWith(s)) && !file.startsWith(cliRoot + sep);

  const hostAnchor = join(cliRoot, 'package.json');
  const hostAnchorUrl = pathToFileURL(hostAnchor).href;
  const hostRequire = nodeModule.createRequire(hostAnchor);

  // The CLI's copy of a package: the folder node's lookup from the CLI root finds, and its version.
  const hostCopies = new Map<string, { dir: string; version: string } | undefined>();
  const hostCopy = (name: string): { dir: string; version: string } | undefined => {
    if (hostCopies.has(name)) return hostCopies.get(name);
    let found: { dir: string; version: string } | undefined;
    for (let dir = cliRoot; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        const version = readJson(join(candidate, 'package.json'))?.version;
        if (typeof version === 'string') found = { dir: candidate, version };
        break;
      }
      if (dirname(dir) === dir) break;
    }
    hostCopies.set(name, found);
    return found;
  };

  // The package.json nearest to an importing file, by folder.
  const manifests = new Map<string, Record<string, unknown> | undefined>();
  const manifestOf = (dir: string): Record<string, unknown> | undefined => {
    if (manifests.has(dir)) return manifests.get(dir);
    const own = existsSync(join(dir, 'package.json')) ? readJson(join(dir, 'package.json')) : undefined;
    const found = own ?? (dirname(dir) === dir ? undefined : manifestOf(dirname(dir)));
    manifests.set(dir, found);
    return found;
  };
  const declaredRange = (importerFile: string, name: string): string | undefined => {
    const pjson = manifestOf(dirname(importerFile));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const range = (pjson?.[field] as Record<string, unknown> | undefined)?.[name];
      if (typeof range === 'string') return range;
    }
    return undefined;
  };

  const decisions: Decision[] = [];
  const handle = registerHooks({
    resolve(specifier, context, next) {
      const name = packageName(specifier);
      if (name === undefined || !shared.has(name) || !context.parentURL?.startsWith('file:')) {
        return next(specifier, context);
      }
      const importer = fileURLToPath(context.parentURL);
      if (!inScope(importer)) return next(specifier, context);
      const host = hostCopy(name);
      const range = declaredRange(importer, name);
      const decide = (to: Decision['to'], reason: Decision['reason']): void => {
        decisions.push({ name, importer, to, reason, hostVersion: host?.version, range });
      };
      if (!host) {
        decide('own', 'no-host-copy');
        return next(specifier, context);
      }
      if (range === undefined) {
        decide('own', 'no-range');
        return next(specifier, context);
      }
      if (!satisfies(host.version, range)) {
        decide('own', 'range-not-satisfied');
        return next(specifier, context);
      }
      decide('host', 'satisfies');
      // require() resolves from its parent module, not from context.parentURL: resolve it from the CLI root here
      if (context.conditions?.includes('require')) {
        return { url: pathToFileURL(hostRequire.resolve(specifier)).href, shortCircuit: true };
      }
      return { ...next(specifier, { ...context, parentURL: hostAnchorUrl }), shortCircuit: true };
    },
  });
  active = { cliRoot, pluginRoot };
  return {
    status: 'registered',
    decisions,
    deregister(): void {
      handle.deregister();
      active = undefined;
    },
  };
}
