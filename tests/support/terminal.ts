/** Runs datamon on a real pseudo-terminal (util-linux `script`) of a given width. */
import { assertEquals } from "./assert.ts";

/**
 * Runs `datamon args` (found on PATH in `bin`, see writeDatamonOnPath) on a pseudo-terminal
 * `columns` wide; everything it wrote there, raw (escapes and `\r` kept, lines end in `\r\n`).
 */
export async function rawOnTerminal(bin: string, columns: number, args: string): Promise<string> {
  const out = await new Deno.Command("script", {
    args: ["-qec", `stty cols ${columns}; datamon ${args}`, "/dev/null"],
    env: { PATH: `${bin}:${Deno.env.get("PATH")}`, TERM: "dumb" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}
