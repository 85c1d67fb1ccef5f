/** Asking a person before something destructive. */
import { DatamonError } from "../errors.ts";

/** Asks a yes/no question on the terminal; without a terminal, refuses with a hint. */
export async function confirm(question: string): Promise<boolean> {
  if (!Deno.stdin.isTerminal()) {
    throw new DatamonError(
      "cancelled",
      `${question} No terminal to ask: pass --force-yes to confirm`,
    );
  }
  Deno.stderr.writeSync(new TextEncoder().encode(`${question} [y/N] `));
  const buf = new Uint8Array(256);
  const n = await Deno.stdin.read(buf);
  const answer = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}
