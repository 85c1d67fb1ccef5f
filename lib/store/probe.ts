/**
 * Probes of a store's behaviour, for `datamon doctor`: does a listing answer, do put, get and
 * delete work, is create-only enforced. Each probe writes under `doctor/` and removes what it
 * wrote, also when it fails.
 */
import { DatamonError } from "../errors.ts";
import { newKsuid } from "../model/ksuid.ts";
import type { Store } from "./store.ts";

/** Prefix of the probe objects; nothing else is ever written there. */
export const PROBE_PREFIX = "doctor/";

/** Throws unless a listing of the probe prefix starts. */
export async function probeReachable(store: Store): Promise<void> {
  for await (const _ of store.list(PROBE_PREFIX, { delimiter: "/" })) break;
}

/** Throws unless a probe object can be put, read back whole and deleted. */
export async function probeWritable(store: Store): Promise<void> {
  const probe = `${PROBE_PREFIX}probe-${newKsuid()}`;
  const bytes = new TextEncoder().encode(probe);
  try {
    await store.put(probe, bytes);
    const back = await store.get(probe);
    if (new TextDecoder().decode(back) !== probe) {
      throw new DatamonError("integrity", `${probe} read back different bytes`);
    }
    await store.delete(probe);
  } catch (e) {
    await store.delete(probe).catch(() => {});
    throw e;
  }
}

/** What two create-only writes of one new key answered: true, then false when enforced. */
export interface CreateOnlyAnswers {
  first: boolean;
  second: boolean;
}

/** Creates one new key twice, create-only, and removes it. */
export async function probeCreateOnly(store: Store): Promise<CreateOnlyAnswers> {
  const once = `${PROBE_PREFIX}create-only-${newKsuid()}`;
  const bytes = new TextEncoder().encode(once);
  try {
    const first = await store.putIfAbsent(once, bytes);
    const second = await store.putIfAbsent(once, bytes);
    return { first, second };
  } finally {
    await store.delete(once).catch(() => {});
  }
}
