import { InvalidArgumentError } from "commander";

/** Commander option parsers that reject junk with a one-line message instead of yielding NaN. */
export function intOption(name: string) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
    return Number(v);
  };
}

export function numberOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

export function listOption(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
