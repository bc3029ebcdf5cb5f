/** Shared by classify, eval and report: read a history file, validate wallets, analyze. */

import type { WalletAccumulator } from "../../analytics/accumulator.ts";
import { accumulate, analyzeWallets, type WalletVerdict } from "../../analytics/analyze.ts";
import { PolycopyError } from "../../domain/errors.ts";
import type { LeaderEvent } from "../../domain/fill.ts";
import { isAddress, normalizeAddress } from "../../domain/wallet.ts";
import { readWalletHistory } from "../../sources/history-file.ts";

export interface FileAnalysis {
  verdicts: WalletVerdict[];
  accs: Map<string, WalletAccumulator>;
  events: LeaderEvent[];
}

export function parseWallets(list: readonly string[] | undefined): Set<string> | undefined {
  if (!list) return undefined;
  for (const w of list) {
    if (!isAddress(w)) {
      throw new PolycopyError("CLI_INVALID", `--wallets: "${w}" is not a 0x address of 40 hex digits`, {
        userFacing: true,
      });
    }
  }
  return new Set(list.map(normalizeAddress));
}

export async function analyzeFile(path: string, wallets?: readonly string[]): Promise<FileAnalysis> {
  const only = parseWallets(wallets);
  const t0 = performance.now();
  const read = await readWalletHistory(path);
  for (const w of read.warnings) process.stderr.write(`warning: ${w}\n`);
  return analyzeEvents(read.events, only, t0);
}

export function analyzeEvents(
  events: LeaderEvent[],
  only?: Set<string>,
  t0 = performance.now(),
): FileAnalysis {
  const { accs, prices } = accumulate(events, only);
  if (only) {
    const missing = [...only].filter((w) => !accs.has(w));
    if (missing.length > 0)
      process.stderr.write(
        `warning: no records for ${missing.length} wallet(s): ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""}\n`,
      );
  }
  const verdicts = analyzeWallets(accs, prices);
  process.stderr.write(
    `analyzed ${accs.size} wallets from ${events.length} records in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`,
  );
  return { verdicts, accs, events };
}
