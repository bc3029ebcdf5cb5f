import type { z } from "zod";
import { type ErrorCode, PolycopyError } from "./errors.ts";

/** One line naming the first failing field, e.g. `risk.maxOrderUsd: expected number, received string`. */
export function formatZodIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((i) => {
    const path = i.path.length > 0 ? i.path.map(String).join(".") : "(root)";
    return `${path}: ${i.message}`;
  });
  const more = error.issues.length > max ? ` (+${error.issues.length - max} more)` : "";
  return parts.join("; ") + more;
}

/**
 * Validates `value` with `schema` at a boundary; on failure throws a user-facing PolycopyError whose
 * one-line message starts with `what` (e.g. "config polycopy.json", "activity line 12").
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  code: ErrorCode = "PAYLOAD_INVALID",
): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new PolycopyError(code, `${what}: ${formatZodIssues(r.error)}`, { userFacing: true });
  }
  return r.data;
}
