/** Prints one benchmark figure in the project's format: `BENCH <name> <value> <unit>`. */
export function reportBench(name: string, value: number, unit: string): void {
  const v = Number.isInteger(value) ? String(value) : value.toPrecision(4);
  process.stdout.write(`BENCH ${name} ${v} ${unit}\n`);
}

/** p-quantile (0..1) of a sample, by sorting a copy. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[idx]!;
}
