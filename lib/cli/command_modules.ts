/**
 * Where each top-level command is defined, loaded on demand: a command line loads the modules
 * of the groups it names and no others (each group pulls in its part of core, mount, web...),
 * which is most of a short command's start-up.
 */
import type { Command } from "commander";

/** Adds commands to the program. */
export type Registrar = (program: Command) => void;

interface CommandModule {
  /** The top-level commands it defines or extends. */
  names: readonly string[];
  load: () => Promise<Registrar>;
}

/** In registration order: help lists the groups so, and squash and files extend repo/context. */
const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ["repo"], load: async () => (await import("./repo.ts")).repoCommands },
  { names: ["bundle"], load: async () => (await import("./bundle.ts")).bundleCommands },
  { names: ["label"], load: async () => (await import("./label.ts")).labelCommands },
  { names: ["context"], load: async () => (await import("./context.ts")).contextCommands },
  { names: ["config"], load: async () => (await import("./config.ts")).configCommands },
  { names: ["sidecar"], load: async () => (await import("./sidecar.ts")).sidecarCommand },
  { names: ["doctor"], load: async () => (await import("./doctor.ts")).doctorCommand },
  { names: ["web"], load: async () => (await import("./web.ts")).webCommand },
  { names: ["log"], load: async () => (await import("./log.ts")).logCommand },
  { names: ["lineage"], load: async () => (await import("./lineage.ts")).lineageCommand },
  { names: ["fsck"], load: async () => (await import("./fsck.ts")).fsckCommand },
  { names: ["purge"], load: async () => (await import("./purge.ts")).purgeCommand },
  { names: ["diamond"], load: async () => (await import("./diamond.ts")).diamondCommands },
  { names: ["version"], load: async () => (await import("./version.ts")).versionCommand },
  {
    names: ["completion", "__complete"],
    load: async () => (await import("./completion.ts")).completionCommand,
  },
  { names: ["repo", "context"], load: async () => (await import("./squash.ts")).squashCommands },
  { names: ["usage", "upgrade"], load: async () => (await import("./usage.ts")).usageCommands },
  { names: ["repo"], load: async () => (await import("./repo_files.ts")).repoFilesCommands },
  { names: ["migrate"], load: async () => (await import("./migrate.ts")).migrateCommand },
];

/** Commands that walk the whole tree (completion of names, one page per command). */
const WHOLE_TREE = new Set(["usage", "completion", "__complete"]);

/**
 * The registrars a command line needs, in order. Every top-level name among the arguments is
 * loaded (a flag's value may look like one: loading one group too many costs little), and the
 * whole tree when none is named (help, a typo that wants suggestions) or one walks the tree.
 */
export async function commandRegistrars(args?: string[]): Promise<Registrar[]> {
  const words = new Set(args?.slice(0, endOfOptions(args)));
  const named = COMMAND_MODULES.filter((m) => m.names.some((n) => words.has(n)));
  const whole = named.length === 0 || [...words].some((w) => WHOLE_TREE.has(w));
  return await Promise.all((whole ? COMMAND_MODULES : named).map((m) => m.load()));
}

function endOfOptions(args?: string[]): number {
  const end = args?.indexOf("--") ?? -1;
  return end < 0 ? Infinity : end;
}
