/** Runs `datamon web` as a subprocess for the tests, and stops it. */
import { assert, assertEquals } from "./assert.ts";
import { datamonCommand } from "./cli.ts";

/** Stops a server startWeb started, and checks that it ended cleanly. */
export async function stopWeb(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  const status = await child.status;
  await child.stderr.cancel().catch(() => {});
  await child.stdout.cancel();
  assertEquals(status.code, 0);
}

/** Starts `datamon web --port 0` and returns its base URL once it listens. */
export async function startWeb(home: string): Promise<{ base: string; child: Deno.ChildProcess }> {
  const child = datamonCommand(home, "web", "--port", "0").spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`datamon web ended: ${text}`);
    text += value;
  }
  reader.releaseLock();
  const base = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text)?.[1];
  assert(base, text);
  return { base, child };
}
