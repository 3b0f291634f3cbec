/*
 * Rotation's steps on the app's committed source: found in the pre-flight (every package folder of sfdx-project.json,
 * or --source-dir), written once the org holds the new certificate, put back when the rotation is rolled back. The
 * files are then to commit: the pipeline's next project deploy would otherwise put the old certificate back. A file
 * that cannot be written does not stop the rotation (the org holds the new certificate already): it is named, with
 * the reason, for a change by hand.
 */
import { findLocalSource, updateLocalSource, type LocalSource, type LocalSourceOptions } from '../app/local-source.js';
import { restoreFiles, type FileSnapshot } from '../util/files.js';
import type { RotationPlan } from './types.js';

export type LocalSourceEvent =
  | { type: 'local-source'; source: LocalSource }
  | { type: 'local-source-updated'; files: string[] }
  | { type: 'local-source-restored'; files: string[] }
  | { type: 'local-source-failed'; files: string[]; why: string };

type Emit = (event: LocalSourceEvent) => void;

export async function findLocalSourceOf(
  plan: Pick<RotationPlan, 'app' | 'kind' | 'consumerKey'>,
  options: Pick<LocalSourceOptions, 'sourceDirs' | 'cwd'>,
  emit: Emit,
): Promise<LocalSource> {
  const source = await findLocalSource({ app: plan.app, kind: plan.kind, consumerKey: plan.consumerKey, ...options });
  emit({ type: 'local-source', source });
  return source;
}

export async function updateLocalSourceOf(
  source: LocalSource,
  plan: Pick<RotationPlan, 'kind'>,
  certificatePem: string,
  emit: Emit,
): Promise<FileSnapshot> {
  let before: FileSnapshot;
  try {
    before = await updateLocalSource(source, plan.kind, certificatePem);
  } catch (error) {
    // The org holds the new certificate whatever happens here: say which files to update by hand, and go on.
    const why = error instanceof Error ? error.message : String(error);
    emit({ type: 'local-source-failed', files: source.files.map((f) => f.path), why });
    return [];
  }
  if (before.length > 0) emit({ type: 'local-source-updated', files: before.map((f) => f.path) });
  return before;
}

export async function restoreLocalSourceOf(before: FileSnapshot, emit: Emit): Promise<void> {
  if (before.length === 0) return;
  await restoreFiles(before);
  emit({ type: 'local-source-restored', files: before.map((f) => f.path) });
}
