/** Reading Go datamon documents: absent ones, self-naming ones, and listings that skip gaps. */
import { DatamonError, isKind } from "../../errors.ts";
import type { Store } from "../../store/store.ts";
import { mapOrdered, readDocument } from "../documents.ts";

/** Reads and decodes a document; when it is absent, throws "not-found" with `missing`. */
export async function readGoDocument<T>(
  store: Store,
  key: string,
  decode: (text: string, what: string) => T,
  missing: string,
): Promise<T> {
  try {
    return await readDocument(store, key, decode);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError("not-found", missing, { cause: e });
  }
}

/**
 * Checks that a document names the same thing as the key it was read from: `what` is its
 * kind ("repo"), `named` the name inside, `expected` the name in the key.
 */
export function checkSelfNamed(
  store: Store,
  key: string,
  what: string,
  named: string,
  expected: string,
): void {
  if (named !== expected) {
    throw new DatamonError(
      "integrity",
      `${key} in ${store.url} names ${what} "${named}", not "${expected}": the store is damaged`,
    );
  }
}

/**
 * The documents `get` finds for `names`, in their order, with up to `concurrency` reads in
 * flight; names whose document is absent ("not-found") are skipped.
 */
export async function* foundDocuments<N, T>(
  names: AsyncIterable<N>,
  concurrency: number,
  get: (name: N) => Promise<T>,
): AsyncGenerator<T> {
  const docs = mapOrdered(names, concurrency, async (name) => {
    try {
      return await get(name);
    } catch (e) {
      if (isKind(e, "not-found")) return undefined;
      throw e;
    }
  });
  for await (const doc of docs) if (doc !== undefined) yield doc;
}
