import { closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PolycopyError } from "../domain/errors.ts";
import { userFacingSystemError } from "./system-error.ts";

/**
 * Checked before any work starts, so a directory or an unreadable file costs one line, not a stack
 * trace after a long analysis. A missing file is left to the reader, which names it in its own words.
 */
export function checkInputFile(path: string, flag: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw userFacingSystemError(e, flag) ?? e;
  }
  if (isDir)
    throw new PolycopyError("INPUT_INVALID", `${flag}: ${path} is a directory, not a file`, {
      userFacing: true,
    });
  try {
    closeSync(openSync(path, "r"));
  } catch (e) {
    throw userFacingSystemError(e, flag) ?? e;
  }
}

/** An output file's directory must exist and be a directory (we do not guess where the user meant). */
export function checkOutputFile(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new PolycopyError(
        "INPUT_INVALID",
        `${flag}: directory ${dirname(path)} does not exist (create it first)`,
        { userFacing: true },
      );
    throw userFacingSystemError(e, flag) ?? e;
  }
  if (!st.isDirectory())
    throw new PolycopyError("INPUT_INVALID", `${flag}: ${dirname(path)} is not a directory`, {
      userFacing: true,
    });
  try {
    if (statSync(path).isDirectory())
      throw new PolycopyError("INPUT_INVALID", `${flag}: ${path} is a directory, not a file`, {
        userFacing: true,
      });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw userFacingSystemError(e, flag) ?? e;
  }
}

/** Creates an output directory (and its parents); a path under a file or without permission is one line. */
export function ensureOutputDir(dir: string, flag: string): void {
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(dir);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isDirectory())
    throw new PolycopyError("INPUT_INVALID", `${flag}: ${dir} is a file, not a directory`, {
      userFacing: true,
    });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw userFacingSystemError(e, flag) ?? e;
  }
}
