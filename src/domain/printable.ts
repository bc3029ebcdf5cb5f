/**
 * Text from outside (a file, an API payload) made safe to print in a one-line error: terminal
 * escape sequences and control characters are removed (a crafted record must not move the cursor,
 * recolour or clear the user's terminal), bidirectional overrides too, and the length is capped so
 * a megabyte-long field cannot flood the screen.
 */
// ESC-initiated sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and two-byte escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control bytes is the point.
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// C0 and C1 controls, DEL, line/paragraph separators and bidi embedding/override/isolate marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control bytes is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export const PRINTABLE_MAX = 60;

/** `v` as printable text: strings cleaned and capped (with "…"), other values through String(). */
export function printable(v: unknown, max = PRINTABLE_MAX): string {
  const s = typeof v === "string" ? v : String(v);
  const clean = s.replace(ESCAPES, "").replace(CONTROLS, "");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** `v` quoted for an error message: `"…"` around the printable text of a string, else the value. */
export function quoted(v: unknown, max = PRINTABLE_MAX): string {
  return typeof v === "string" ? `"${printable(v, max)}"` : printable(v, max);
}

/** Whether text holds a control character or escape byte that printable() would remove (for checks). */
export function hasControlChars(s: string): boolean {
  CONTROLS.lastIndex = 0;
  return CONTROLS.test(s);
}
