/**
 * `datamon web`: a local, read-only page to browse contexts, repos, bundles, labels, lineage and
 * audit logs.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { serveWeb } from "../web/server.ts";
import {
  type ContextFlags,
  contextOptions,
  interrupt,
  ownInterrupt,
  settingsFrom,
} from "./common.ts";
import { writeErr } from "./output.ts";

/** Adds `datamon web`. */
export function webCommand(program: Command): void {
  contextOptions(
    program.command("web")
      .description(
        "serve a read-only page to browse contexts, repos, bundles, files, labels, lineage and audit logs",
      )
      .option("--port <n>", "port to listen on (0: any free port)", "8080")
      .option("--host <address>", "address to listen on", "127.0.0.1"),
  ).action(async (flags: ContextFlags & { port: string; host: string }) => {
    if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) {
      throw new DatamonError("invalid-argument", `--port "${flags.port}" is not a port number`);
    }
    const settings = await settingsFrom(flags);
    ownInterrupt();
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = serveWeb(settings, {
        hostname: flags.host,
        port: Number(flags.port),
        signal: interrupt.signal,
      });
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.AddrNotAvailable) {
        throw new DatamonError(
          "invalid-argument",
          `cannot listen on ${flags.host}:${flags.port} (${
            (e as Error).message
          }): choose another --port or --host`,
        );
      }
      throw e;
    }
    const { hostname, port } = server.addr;
    writeErr(`serving http://${hostname}:${port}/ (read-only); Ctrl-C stops`);
    await server.finished;
  });
}
