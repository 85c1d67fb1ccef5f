/** datamon's entry point: argv -> one command -> exit code. */
import { runCli } from "./lib/cli/app.ts";

// Only the main thread runs the CLI. The hashing Workers start the module of lib/cafs/hasher.ts
// (a chunk of its own in the code-split bundle), which this entry does not import: it would load
// hash-wasm, which reads globalThis.Buffer and so starts Deno's Node compatibility on every run.
if (import.meta.main && !("WorkerGlobalScope" in globalThis)) Deno.exit(await runCli(Deno.args));
