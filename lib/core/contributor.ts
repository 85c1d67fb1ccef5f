/**
 * Who is making a change: explicit name/email, else the config, else git's user.name and
 * user.email, else user@host.
 */
import type { Contributor } from "../model/types.ts";
import type { Settings } from "./settings.ts";

async function gitConfig(key: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", {
      args: ["config", "--get", key],
      stdout: "piped",
      stderr: "null",
    }).output();
    const value = new TextDecoder().decode(out.stdout).trim();
    return out.success && value ? value : undefined;
  } catch {
    // git missing or not permitted: fall through to the next source.
    return undefined;
  }
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/** Resolves the contributor recorded on repos, bundles and labels. */
export async function resolveContributor(
  settings: Pick<Settings, "name" | "email">,
  explicit: Partial<Contributor> = {},
): Promise<Contributor> {
  let name = explicit.name ?? settings.name;
  let email = explicit.email ?? settings.email;
  name ??= await gitConfig("user.name");
  email ??= await gitConfig("user.email");
  const user = Deno.env.get("USER") ?? Deno.env.get("LOGNAME") ?? "unknown";
  return { name: name ?? user, email: email ?? `${user}@${hostName()}` };
}
