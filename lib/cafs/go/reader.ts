/**
 * Reads a file's bytes from a Go datamon blob store, verifying every leaf with Go's hash
 * before it is handed on. One leaf is fetched ahead of the one being verified, so memory stays
 * at two leaves whatever the file's size.
 */
import { DatamonError, isKind } from "../../errors.ts";
import type { Store } from "../../store/store.ts";
import { checkLeafSize, goLeafKey, goRootLeafKeys, hexOf } from "./hash.ts";

/** What the reader needs of a file entry: its name (for messages), root key and size. */
export interface GoStoredFile {
  name: string;
  hash: string;
  size: number;
}

/**
 * The file's bytes, one verified leaf at a time, in order. A missing or corrupt root object or
 * leaf, or leaves that do not add up to the entry's size, is an "integrity" DatamonError
 * naming the file.
 *
 * @example
 * ```ts
 * for await (const chunk of readGoFile(blob, entry, bundle.leafSize)) await out.write(chunk);
 * ```
 */
export async function* readGoFile(
  blob: Store,
  file: GoStoredFile,
  leafSize: number,
): AsyncGenerator<Uint8Array> {
  checkLeafSize(leafSize);
  const what = `file ${JSON.stringify(file.name)}`;
  const root = await getBlob(blob, file.hash, what, "root object");
  const keys = goRootLeafKeys(root, file.hash, leafSize, what);
  checkLeafCount(keys.length, file, leafSize, what);
  let next = keys.length > 0 ? fetchLeaf(blob, keys[0], what, 0) : undefined;
  try {
    for (let i = 0; i < keys.length; i++) {
      const bytes = await next!;
      next = i + 1 < keys.length ? fetchLeaf(blob, keys[i + 1], what, i + 1) : undefined;
      yield verifiedLeaf(bytes, keys[i], i, expectedLength(i, file.size, leafSize), leafSize, what);
    }
  } finally {
    await next?.catch(() => {});
  }
}

/** Starts reading leaf `index`; its rejection is observed when awaited. */
function fetchLeaf(blob: Store, key: string, what: string, index: number): Promise<Uint8Array> {
  const pending = getBlob(blob, key, what, `leaf ${index}`);
  pending.catch(() => {});
  return pending;
}

/** A blob's bytes; a missing blob is "integrity" (the metadata names it, so it must exist). */
async function getBlob(blob: Store, key: string, what: string, part: string): Promise<Uint8Array> {
  try {
    return await blob.get(key);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError(
      "integrity",
      `${part} ${
        key.slice(0, 16)
      }... of ${what} is missing from ${blob.url}: the blob store is damaged`,
    );
  }
}

/** Checks that a file of `size` bytes has `count` leaves (none when empty). */
function checkLeafCount(count: number, file: GoStoredFile, leafSize: number, what: string): void {
  const expected = Math.ceil(file.size / leafSize);
  if (count !== expected) {
    throw new DatamonError(
      "integrity",
      `root object of ${what} lists ${count} leaves, but ${file.size} bytes in ` +
        `${leafSize}-byte leaves take ${expected}: the metadata or blob store is damaged`,
    );
  }
}

/** Bytes leaf `index` of a `size`-byte file holds: a full leaf, or the remainder at the end. */
function expectedLength(index: number, size: number, leafSize: number): number {
  return Math.min(leafSize, size - index * leafSize);
}

function verifiedLeaf(
  bytes: Uint8Array,
  key: string,
  index: number,
  length: number,
  leafSize: number,
  what: string,
): Uint8Array {
  if (bytes.length !== length) {
    throw new DatamonError(
      "integrity",
      `leaf ${index} of ${what} is ${bytes.length} bytes, expected ${length}: the blob store is damaged`,
    );
  }
  if (hexOf(goLeafKey(bytes, leafSize, index)) !== key) {
    throw new DatamonError(
      "integrity",
      `leaf ${index} of ${what} does not match its key ${
        key.slice(0, 16)
      }...: the blob store is damaged`,
    );
  }
  return bytes;
}
