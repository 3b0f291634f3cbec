/*
 * oclif's init hook: runs in every sf command, after sf has started and before any command module is imported.
 * For this plugin's commands (and `sf doctor`, which runs this plugin's diagnostics hook) it makes the plugin use
 * the running sf's @salesforce/core instead of loading a second copy (host-packages.ts says why and when), and keeps
 * sf's log-file worker listening so that the exit does not wait up to a second for it (log-worker.ts).
 * For every other command it returns at once: this module imports nothing, so sf's own commands pay one tiny file.
 */
import { fileURLToPath } from 'node:url';

type InitOptions = { id?: string; config: { root: string } };

/** This plugin's root: lib/hooks/init.js -> the package folder. */
const PLUGIN_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** This plugin's commands, whatever the order of their words (flexible taxonomy), and sf doctor. */
export function concernsPlugin(id: string | undefined): boolean {
  if (!id) return false;
  return id === 'doctor' || id.split(/[: ]/).includes('jwt-setup');
}

export const hook = async (options: InitOptions): Promise<void> => {
  if (!concernsPlugin(options.id)) return;
  const [{ shareHostPackages }, { keepLogWorkerListening }] = await Promise.all([
    import('./host-packages.js'),
    import('./log-worker.js'),
  ]);
  shareHostPackages({ cliRoot: options.config.root, pluginRoot: PLUGIN_ROOT });
  keepLogWorkerListening(options.config.root);
};

export default hook;
