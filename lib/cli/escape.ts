/**
 * Control characters shown as escapes, so that a name or message never drives the terminal.
 * Apart from table.ts so that printing one record does not load string-width (start-up).
 */

const CONTROL_ESCAPES: Record<string, string> = { "\n": "\\n", "\t": "\\t", "\r": "\\r" };

/** `text` with every C0/C1 control character shown as an escape. */
export function escapeControl(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => CONTROL_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
