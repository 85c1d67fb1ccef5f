/**
 * Go datamon's content keys: BLAKE2b-512 in tree mode, as its pkg/cafs computes them.
 *
 * A file is cut into leaves of the bundle's leafSize. Each leaf is a tree leaf (depth 0) whose
 * node offset is NOT its index: full leaf i (from 0) has offset i+1 and is never flagged last,
 * while a trailing partial leaf has offset i (the number of full leaves) and the last-node flag.
 * So a file whose size is a multiple of the leaf size has no leaf flagged last, and an empty
 * file has no leaf. The root key is the depth-1 last node over the concatenated 64-byte leaf
 * keys, and every file, even one of a single leaf, is stored as a root object: its leaf keys
 * followed by its root key, under the root key.
 *
 * BLAKE2b itself is @stablelib/blake2b, the npm BLAKE2b that takes the tree parameters.
 */
import { BLAKE2b } from "@stablelib/blake2b";
import { DatamonError } from "../../errors.ts";
import { readFull } from "../../util/file_io.ts";
import { GO_MAX_LEAF_SIZE, GO_MIN_LEAF_SIZE } from "../../model/go_format.ts";

/** Bytes of a Go datamon key (BLAKE2b-512); its text is 128 lowercase hex digits. */
export const GO_KEY_BYTES = 64;

/** A stored object: its hex key and its bytes. */
export interface GoBlob {
  key: string;
  bytes: Uint8Array;
}

/** A file as Go datamon stores it: its leaves, then the root object whose key names the file. */
export interface GoFileObjects {
  leaves: GoBlob[];
  root: GoBlob;
}

/** The tree node a leaf is hashed as, from its index and length (see the file header). */
export function goLeafNode(
  index: number,
  length: number,
  leafSize: number,
): { nodeOffset: number; lastNode: boolean } {
  return length === leafSize
    ? { nodeOffset: index + 1, lastNode: false }
    : { nodeOffset: index, lastNode: true };
}

/** The binary key of leaf `index` of a file cut into `leafSize` leaves. */
export function goLeafKey(leaf: Uint8Array, leafSize: number, index: number): Uint8Array {
  const { nodeOffset, lastNode } = goLeafNode(index, leaf.length, leafSize);
  return treeHash(leaf, leafSize, nodeOffset, 0, lastNode);
}

/** The binary root key over concatenated binary leaf keys (none for an empty file). */
export function goRootKey(leafKeys: Uint8Array, leafSize: number): Uint8Array {
  return treeHash(leafKeys, leafSize, 0, 1, true);
}

/** The root object of concatenated binary leaf keys: those keys, then the root key. */
export function goRootObject(leafKeys: Uint8Array, leafSize: number): GoBlob {
  const root = goRootKey(leafKeys, leafSize);
  const bytes = new Uint8Array(leafKeys.length + GO_KEY_BYTES);
  bytes.set(leafKeys);
  bytes.set(root, leafKeys.length);
  return { key: hexOf(root), bytes };
}

/** Every object Go datamon stores for a file's bytes. Holds them all: for small inputs. */
export function goFileObjects(bytes: Uint8Array, leafSize: number): GoFileObjects {
  checkLeafSize(leafSize);
  const leaves: GoBlob[] = [];
  const leafKeys = new Uint8Array(Math.ceil(bytes.length / leafSize) * GO_KEY_BYTES);
  for (let i = 0; i * leafSize < bytes.length; i++) {
    const leaf = bytes.subarray(i * leafSize, (i + 1) * leafSize);
    const key = goLeafKey(leaf, leafSize, i);
    leafKeys.set(key, i * GO_KEY_BYTES);
    leaves.push({ key: hexOf(key), bytes: leaf });
  }
  return { leaves, root: goRootObject(leafKeys, leafSize) };
}

/**
 * The hex key Go datamon gives a local file's bytes (its root key), read one leaf at a time:
 * memory is one leaf and the leaf keys (64 bytes per leaf).
 */
export async function goKeyOfFile(path: string, leafSize: number): Promise<string> {
  checkLeafSize(leafSize);
  using file = await Deno.open(path);
  const leaf = new Uint8Array(leafSize);
  const keys: Uint8Array[] = [];
  for (let index = 0;; index++) {
    const length = await readFull(file, leaf);
    if (length > 0) keys.push(goLeafKey(leaf.subarray(0, length), leafSize, index));
    if (length < leafSize) break;
  }
  const leafKeys = new Uint8Array(keys.length * GO_KEY_BYTES);
  keys.forEach((key, i) => leafKeys.set(key, i * GO_KEY_BYTES));
  return hexOf(goRootKey(leafKeys, leafSize));
}

/**
 * The hex leaf keys of the root object stored under `key`, after checking that it is whole
 * keys, that its trailing key is `key`, and that `key` is the root over the others. `what`
 * names the file in the "integrity" error.
 */
export function goRootLeafKeys(
  bytes: Uint8Array,
  key: string,
  leafSize: number,
  what: string,
): string[] {
  if (bytes.length < GO_KEY_BYTES || bytes.length % GO_KEY_BYTES !== 0) {
    throw damagedRoot(what, key, `it is ${bytes.length} bytes, not a whole number of keys`);
  }
  const leafKeys = bytes.subarray(0, bytes.length - GO_KEY_BYTES);
  if (hexOf(bytes.subarray(leafKeys.length)) !== key) {
    throw damagedRoot(what, key, "its trailing key is not its own key");
  }
  if (hexOf(goRootKey(leafKeys, leafSize)) !== key) {
    throw damagedRoot(what, key, "its key is not the hash of its leaf keys");
  }
  const keys: string[] = [];
  for (let at = 0; at < leafKeys.length; at += GO_KEY_BYTES) {
    keys.push(hexOf(leafKeys.subarray(at, at + GO_KEY_BYTES)));
  }
  return keys;
}

/** Lowercase hex text of bytes. */
export function hexOf(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += HEX_DIGITS[byte];
  return hex;
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Throws RangeError unless Go datamon could use `leafSize`. */
export function checkLeafSize(leafSize: number): void {
  if (
    !Number.isSafeInteger(leafSize) || leafSize < GO_MIN_LEAF_SIZE || leafSize > GO_MAX_LEAF_SIZE
  ) {
    throw new RangeError(
      `Go datamon leaf size must be ${GO_MIN_LEAF_SIZE} to ${GO_MAX_LEAF_SIZE}, got ${leafSize}`,
    );
  }
}

/** BLAKE2b-512 with Go datamon's tree configuration (fanout 0, depth 2, inner size 64). */
function treeHash(
  bytes: Uint8Array,
  leafSize: number,
  nodeOffset: number,
  nodeDepth: number,
  lastNode: boolean,
): Uint8Array {
  const tree = {
    fanout: 0,
    maxDepth: 2,
    leafSize,
    nodeOffsetHighBits: Math.floor(nodeOffset / 0x100000000),
    nodeOffsetLowBits: nodeOffset >>> 0,
    nodeDepth,
    innerDigestLength: GO_KEY_BYTES,
    lastNode,
  };
  return new BLAKE2b(GO_KEY_BYTES, { tree }).update(bytes).digest();
}

function damagedRoot(what: string, key: string, reason: string): DatamonError {
  return new DatamonError(
    "integrity",
    `root object ${key.slice(0, 16)}... of ${what} is damaged: ${reason}`,
  );
}
