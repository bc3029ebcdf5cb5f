import { PolycopyError } from "../domain/errors.ts";

/** Why a file-system call failed, in words a user can act on. */
const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "it is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EEXIST: "it already exists",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  EBUSY: "the file is busy",
};

const VERBS: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  mkdir: "create directory",
  scandir: "list directory",
  rename: "rename",
  unlink: "remove",
  rmdir: "remove directory",
  stat: "access",
  lstat: "access",
  access: "access",
  chmod: "change the mode of",
  copyfile: "copy",
};

/**
 * A Node system error from the file system (a path the user gave: a missing or unwritable
 * directory, a directory where a file was expected, permission denied) as a one-line, user-facing
 * PolycopyError; undefined for anything else. `what` names the flag or setting, e.g. "--out".
 */
export function userFacingSystemError(e: unknown, what?: string): PolycopyError | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as NodeJS.ErrnoException;
  const code = err.code;
  if (code === undefined || !(code in REASONS)) return undefined;
  const verb = VERBS[err.syscall ?? ""] ?? "use";
  const target = err.path === undefined ? "" : ` ${err.path}`;
  const prefix = what ? `${what}: ` : "";
  return new PolycopyError("INPUT_INVALID", `${prefix}cannot ${verb}${target}: ${REASONS[code]}`, {
    userFacing: true,
    cause: e,
  });
}
