/*
 * What a file-system failure means, in the words of messages/reasons-store.md: the coded errors of the store, the key copy
 * and keygen name the path and this reason, never an errno alone.
 */
import { lstat, stat } from 'node:fs/promises';
import { reason } from '../errors.js';

export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A short reason for a failed file-system call, e.g. "permission denied", "the disk is full". */
export function fsReason(error: unknown): string {
  switch (errnoCode(error)) {
    case 'EACCES':
    case 'EPERM':
      return reason('permissionDenied');
    case 'EROFS':
      return reason('fs.readOnly');
    case 'ENOSPC':
    case 'EDQUOT':
      return reason('fs.diskFull');
    case 'EFBIG':
      return reason('fs.tooLarge');
    case 'ENOTDIR':
    case 'EEXIST':
      return reason('fileInTheWay');
    case 'EISDIR':
      return reason('isDirectory');
    case 'ELOOP':
      return reason('fs.linkLoop');
    case 'ENOENT':
      return reason('fs.notFound');
    default:
      return errnoCode(error) ?? reason('readError');
  }
}

/**
 * The reason a folder that should exist cannot be used, looking at what is there: a dangling symbolic link or a regular
 * file explain an ENOENT or EEXIST better than the errno does.
 */
export async function folderReason(path: string, error: unknown): Promise<string> {
  const link = await lstat(path).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    const target = await stat(path).catch((e: unknown) => e);
    if (target instanceof Error && errnoCode(target) === 'ENOENT') return reason('fs.danglingLink');
    if (target instanceof Error && errnoCode(target) === 'ELOOP') return reason('fs.linkLoop');
  }
  if (link && !link.isDirectory() && !link.isSymbolicLink()) return reason('fileInTheWay');
  return fsReason(error);
}
