import { closeSync, openSync, readSync, statSync } from "node:fs";
import { type ReadResult, readFillsCsv } from "../analytics/input.ts";
import { PolycopyError } from "../domain/errors.ts";
import { describeRead, readDataApiFile } from "../polymarket/data-api-file.ts";

/**
 * Reads a wallet history file for classify / eval / report: Data API `/activity` or `/trades`
 * records exactly as the API returns them (JSON Lines, or a JSON array such as a saved API
 * response: the first non-space byte tells), through the one record parser; anything else as a CSV
 * of normalized fills. Throws a user-facing error naming the line (or array index) and field of the
 * first invalid record, and for a missing, empty or directory path. Events come oldest first, each
 * key once.
 */
export async function readWalletHistory(path: string): Promise<ReadResult> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new PolycopyError("CLI_INVALID", `input file not found: ${path}`, { userFacing: true });
  }
  if (st.isDirectory()) {
    throw new PolycopyError("CLI_INVALID", `--input: ${path} is a directory, not a file`, {
      userFacing: true,
    });
  }
  const bad = (msg: string) => new PolycopyError("PAYLOAD_INVALID", msg, { userFacing: true });
  if (st.size === 0) throw bad(`${path}: file is empty`);
  const first = firstNonSpace(path);
  if (first !== "{" && first !== "[") return readFillsCsv(path);
  const r = await readDataApiFile(path, { source: "file", name: path });
  if (r.events.length === 0) {
    const why = describeRead(r);
    throw bad(`${path}: no records polycopy can use${why.length > 0 ? ` (${why.join("; ")})` : ""}`);
  }
  return { events: r.events, lines: r.records, warnings: describeRead(r) };
}

/** The first non-space character of a file, or "" when it has none. */
function firstNonSpace(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(4096);
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return "";
      const s = buf.subarray(0, n).toString("latin1").trimStart();
      if (s !== "") return s[0]!;
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}
