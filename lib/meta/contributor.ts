/**
 * Who is making a change: explicit name/email, else the config, else git's user.name and
 * user.email, else user@host.
 */
import type { Contributor } from "../model/types.ts";
import type { Store, StoreIdentity } from "../store/store.ts";
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

/** This machine's name, or "localhost" when it cannot be read. */
export function hostName(): string {
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

/** How the actor of a command is resolved. */
export interface ActorOptions {
  /** Do not ask the store who its credentials belong to: record the configured name only. */
  skipAuth?: boolean;
  /** Told when the store could not say who its credentials belong to. */
  onWarning?: (message: string) => void;
}

/** Answers of each store URL, asked once per process. */
const identities = new Map<string, Promise<StoreIdentity>>();

/**
 * The contributor as configured (resolveContributor) with the identity `store` authenticates
 * (an AWS ARN, a Google account). A store that cannot tell is warned about, never silently
 * passed over; a local store has no authentication of its own and records the configured
 * contributor as is.
 */
export async function resolveActor(
  settings: Pick<Settings, "name" | "email">,
  store: Store,
  explicit: Partial<Contributor> = {},
  options: ActorOptions = {},
): Promise<Contributor> {
  const contributor = await resolveContributor(settings, explicit);
  if (options.skipAuth || !store.identity) return contributor;
  let asking = identities.get(store.url);
  if (!asking) {
    asking = store.identity();
    identities.set(store.url, asking);
  }
  const answer = await asking;
  if ("identity" in answer) return { ...contributor, identity: answer.identity };
  options.onWarning?.(
    `cannot learn who the credentials of ${store.url} belong to (${answer.unavailable}): ` +
      `recording ${contributor.name} <${contributor.email}> as configured, unverified ` +
      "(--skip-auth records it without asking)",
  );
  return contributor;
}
