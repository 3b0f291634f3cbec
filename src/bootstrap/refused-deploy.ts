/*
 * What a refused deploy leaves behind: bootstrap writes the app's files into the package folder before it deploys
 * them (a new permission set first, then the app). When Salesforce refuses one, the files of every component that did
 * not reach the org are taken out again (removed, or put back as they were before this run), so that no later
 * `sf project deploy start` carries a component the org refused; the files of what was deployed stay, to commit. The
 * error then says exactly what was applied and what was not, and where the files are.
 *
 * Only a definite refusal (Salesforce answered, with a deploy id and its failures) undoes anything: when the outcome
 * is unknown (the reply was lost), the files stay, since the org may hold them.
 */
import { rmdir, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { isJwtSetupError, reason, type JwtSetupError } from '../errors.js';
import { restoreFiles, snapshotFiles, type FileSnapshot } from '../util/files.js';

export type DeployedPart = { what: 'permission-set' | 'app'; name: string; deployId: string; files: string[] };

export type AppFilesUndo = {
  sourceDir: string;
  before: FileSnapshot;
  /** Folders under sourceDir that did not exist before this run (removed again when left empty). */
  newFolders: string[];
  deployed: DeployedPart[];
  /** Every part bootstrap meant to deploy, in order, to say what was not applied. */
  planned: Array<Omit<DeployedPart, 'deployId'>>;
};

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** What the app's files and their folders are before bootstrap writes them. */
export async function recordAppFiles(
  files: string[],
  sourceDir: string,
  planned: AppFilesUndo['planned'],
): Promise<AppFilesUndo> {
  const root = resolve(sourceDir);
  const folders = new Set<string>();
  for (const file of files) {
    for (let dir = dirname(resolve(file)); dir !== root && dir.startsWith(root + sep); dir = dirname(dir)) {
      folders.add(dir);
    }
  }
  const newFolders: string[] = [];
  for (const dir of folders) {
    // eslint-disable-next-line no-await-in-loop
    if (!(await isFolder(dir))) newFolders.push(dir);
  }
  return { sourceDir: root, before: await snapshotFiles(files), newFolders, deployed: [], planned };
}

function describe(part: { what: DeployedPart['what']; name: string; deployId?: string }): string {
  return part.deployId
    ? reason(`bootstrap.part.${part.what}.deployed`, [part.name, part.deployId])
    : reason(`bootstrap.part.${part.what}`, [part.name]);
}

/**
 * After a failed deploy: when it is a refusal (DeployFailed or ConnectedAppCreationBlocked with a deploy id), take
 * out the files of what was not applied and say exactly what was; any other error is returned as it is.
 */
export async function undoRefusedDeploy(error: unknown, undo: AppFilesUndo): Promise<unknown> {
  if (!isJwtSetupError(error, 'DeployFailed') && !isJwtSetupError(error, 'ConnectedAppCreationBlocked')) return error;
  const coded: JwtSetupError = error;
  if (typeof (coded.data as { deployId?: unknown } | undefined)?.deployId !== 'string') return error;

  const deployedNames = new Set(undo.deployed.map((d) => d.what));
  const notApplied = undo.planned.filter((p) => !deployedNames.has(p.what));
  const toUndo = new Set(notApplied.flatMap((p) => p.files.map((f) => resolve(f))));
  const undone = undo.before.filter((entry) => toUndo.has(resolve(entry.path)));
  await restoreFiles(undone);
  // Folders this run made and left empty go too (deepest first; a folder that still holds anything stays).
  for (const dir of [...undo.newFolders].sort((a, b) => b.length - a.length)) {
    // eslint-disable-next-line no-await-in-loop
    await rmdir(dir).catch(() => undefined);
  }
  const removed = undone.filter((e) => e.data === undefined).map((e) => e.path);
  const restored = undone.filter((e) => e.data !== undefined).map((e) => e.path);

  const sentences = [
    undo.deployed.length === 0
      ? reason('bootstrap.applied.none')
      : reason('bootstrap.applied.some', [undo.deployed.map(describe).join(', '), notApplied.map(describe).join(', ')]),
  ];
  if (removed.length + restored.length > 0) {
    sentences.push(
      reason('bootstrap.files.undone', [
        relative(process.cwd(), undo.sourceDir) || '.',
        removed.length,
        restored.length,
      ]),
    );
  }
  for (const part of undo.deployed) sentences.push(reason('bootstrap.files.kept', [part.files.join(', ')]));
  coded.message = `${coded.message.replace(/\s+$/, '')}\n${sentences.join(' ')}`;
  if (coded.errorCode === 'DeployFailed') coded.actions = [reason('bootstrap.fix.refused')];
  coded.setData({
    ...(coded.data as Record<string, unknown>),
    applied: undo.deployed.map(({ what, name, deployId }) => ({ what, name, deployId })),
    notApplied: notApplied.map(({ what, name }) => ({ what, name })),
    removedFiles: removed,
    restoredFiles: restored,
  });
  return coded;
}

/** The parts bootstrap deploys, in order, with their files. */
export function deployParts(
  plan: { deploys: Array<DeployedPart['what']> },
  names: { app: string; permissionSet?: string },
  permissionSetFiles: string[],
  appFiles: string[],
): AppFilesUndo['planned'] {
  const parts: AppFilesUndo['planned'] = [];
  if (plan.deploys.includes('permission-set') && names.permissionSet) {
    parts.push({ what: 'permission-set', name: names.permissionSet, files: permissionSetFiles });
  }
  if (plan.deploys.includes('app')) parts.push({ what: 'app', name: names.app, files: appFiles });
  return parts;
}

/** Record that `part` reached the org: its files stay whatever happens after. */
export function deployed(undo: AppFilesUndo, what: DeployedPart['what'], deployId: string): void {
  const part = undo.planned.find((p) => p.what === what);
  if (part) undo.deployed.push({ ...part, deployId });
}
