/** datamon's entry point: argv -> one command -> exit code. */
import { runCli } from "./lib/cli/app.ts";
import { isHasherWorker } from "./lib/cafs/hasher.ts";

// When bundled or compiled, the hashing Workers run this same program: only the main
// thread runs the CLI.
if (import.meta.main && !isHasherWorker()) Deno.exit(await runCli(Deno.args));
