/**
 * Root objects: a file bigger than one leaf is stored as its leaves plus a root object, the
 * concatenated 32-byte leaf keys followed by the root key = BLAKE3 over those leaf keys.
 */
import { DatamonError } from "../errors.ts";

/** Bytes of a binary BLAKE3 key. */
export const KEY_BYTES = 32;

const HEX_KEY = /^[0-9a-f]{64}$/;

/** Hashes bytes to a hex key; a Hasher fits. */
export interface HashFn {
  hash(bytes: Uint8Array): Promise<string>;
}

/** A root object ready to store under `key`. */
export interface RootObject {
  key: string;
  bytes: Uint8Array;
}

/** True for a lowercase hex BLAKE3 key (64 chars). */
export function isKey(text: string): boolean {
  return HEX_KEY.test(text);
}

/** Writes the binary form of hex `key` into `into` at `offset`. */
export function writeKey(key: string, into: Uint8Array, offset: number): void {
  if (!isKey(key)) throw new RangeError(`not a hex BLAKE3 key: ${JSON.stringify(key)}`);
  for (let i = 0; i < KEY_BYTES; i++) {
    into[offset + i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
  }
}

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
const hexBuffer = new Uint8Array(2 * KEY_BYTES);
const ascii = new TextDecoder();

/**
 * The hex form of the binary key at `offset` of `bytes`, as one flat string: a key built by
 * `+=` is a rope of 63 pieces (~2 KB where the flat string takes ~80 bytes), and a purge or
 * fsck holds a pack index of ~70,000 of them per pack.
 */
export function readKey(bytes: Uint8Array, offset: number): string {
  for (let i = 0; i < KEY_BYTES; i++) {
    const byte = bytes[offset + i];
    hexBuffer[2 * i] = HEX_DIGITS[byte >> 4];
    hexBuffer[2 * i + 1] = HEX_DIGITS[byte & 15];
  }
  return ascii.decode(hexBuffer);
}

/**
 * The root object of a file from the concatenated binary keys of its leaves (a multiple of
 * 32 bytes, at least one key).
 */
export async function encodeRoot(leafKeys: Uint8Array, hasher: HashFn): Promise<RootObject> {
  if (leafKeys.length === 0 || leafKeys.length % KEY_BYTES !== 0) {
    throw new RangeError(`leaf keys take ${leafKeys.length} bytes, not a multiple of 32`);
  }
  const key = await hasher.hash(leafKeys);
  const bytes = new Uint8Array(leafKeys.length + KEY_BYTES);
  bytes.set(leafKeys);
  writeKey(key, bytes, leafKeys.length);
  return { key, bytes };
}

/**
 * The hex leaf keys of the root object stored under `key`, after checking its shape and that
 * its trailing root key is both `key` and BLAKE3 of its leaf keys. `where` names the store in
 * messages. Throws DatamonError "integrity" otherwise.
 */
export async function decodeRoot(
  key: string,
  bytes: Uint8Array,
  hasher: HashFn,
  where: string,
): Promise<string[]> {
  const corrupt = (why: string) =>
    new DatamonError(
      "integrity",
      `blob ${key} in ${where} is corrupt (root object ${why}): delete it and upload the files again`,
    );
  if (bytes.length < 2 * KEY_BYTES || bytes.length % KEY_BYTES !== 0) {
    throw corrupt(`of ${bytes.length} bytes, not a multiple of 32 of at least 64`);
  }
  const keysEnd = bytes.length - KEY_BYTES;
  const stated = readKey(bytes, keysEnd);
  if (stated !== key) throw corrupt(`names root key ${stated}`);
  const actual = await hasher.hash(bytes.subarray(0, keysEnd));
  if (actual !== key) throw corrupt(`leaf keys hash to ${actual}`);
  const keys: string[] = [];
  for (let offset = 0; offset < keysEnd; offset += KEY_BYTES) keys.push(readKey(bytes, offset));
  return keys;
}
