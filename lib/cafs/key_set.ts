/**
 * A set of hex BLAKE3 keys for garbage collection's mark phase, compact enough for every blob
 * a context names: each key is kept as its first 16 bytes in one open-addressing table of
 * 32-bit words (16 bytes a slot, at most 70% full: about 23 bytes a key, against ~150 for a
 * Set of strings). Two keys sharing 16 bytes would only make a dead blob look live, which
 * keeps it; it never makes a live blob look dead. Go datamon's 64-byte keys (fsck of a Go context)
 * are kept by the same prefix.
 */
import { isKey } from "./root.ts";
import { isGoKey } from "../model/go_format.ts";

const WORDS = 4;
const MAX_LOAD = 0.7;
const INITIAL_SLOTS = 1 << 12;

export class KeySet {
  #slots = INITIAL_SLOTS;
  #table = new Uint32Array(INITIAL_SLOTS * WORDS);
  #size = 0;

  /** Number of keys held. */
  get size(): number {
    return this.#size;
  }

  /** Adds a key (64 hex digits); true when it was not there yet. */
  add(key: string): boolean {
    const words = prefixWords(key);
    const at = this.#find(words);
    if (this.#occupied(at)) return false;
    this.#table.set(words, at * WORDS);
    this.#size++;
    if (this.#size > this.#slots * MAX_LOAD) this.#grow();
    return true;
  }

  /** True when the key was added. */
  has(key: string): boolean {
    return this.#occupied(this.#find(prefixWords(key)));
  }

  /** True when the key whose binary form starts `bytes` (at least 16 bytes) was added. */
  hasBinary(bytes: Uint8Array): boolean {
    return this.#occupied(this.#find(binaryPrefixWords(bytes)));
  }

  /** The slot holding `words`, or the empty slot where they would go. */
  #find(words: Uint32Array): number {
    const mask = this.#slots - 1;
    const t = this.#table;
    for (let at = words[0] & mask;; at = (at + 1) & mask) {
      const i = at * WORDS;
      if (
        t[i] === words[0] && t[i + 1] === words[1] && t[i + 2] === words[2] && t[i + 3] === words[3]
      ) {
        return at;
      }
      if (t[i] === 0 && t[i + 1] === 0 && t[i + 2] === 0 && t[i + 3] === 0) return at;
    }
  }

  #occupied(at: number): boolean {
    const i = at * WORDS;
    const t = this.#table;
    return (t[i] | t[i + 1] | t[i + 2] | t[i + 3]) !== 0;
  }

  #grow(): void {
    const old = this.#table;
    this.#slots *= 2;
    this.#table = new Uint32Array(this.#slots * WORDS);
    for (let i = 0; i < old.length; i += WORDS) {
      const words = old.subarray(i, i + WORDS);
      if ((words[0] | words[1] | words[2] | words[3]) === 0) continue;
      this.#table.set(words, this.#find(words) * WORDS);
    }
  }
}

/** The first 16 bytes of a hex key as four words (see notEmpty). */
function prefixWords(key: string): Uint32Array {
  if (!isKey(key) && !isGoKey(key)) throw new RangeError(`not a hex key: ${key}`);
  const words = new Uint32Array(WORDS);
  for (let w = 0; w < WORDS; w++) words[w] = parseInt(key.slice(w * 8, w * 8 + 8), 16);
  return notEmpty(words);
}

/** The first 16 bytes of a binary key as four big-endian words, as prefixWords reads its hex. */
function binaryPrefixWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length < WORDS * 4) throw new RangeError(`a key of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, WORDS * 4);
  const words = new Uint32Array(WORDS);
  for (let w = 0; w < WORDS; w++) words[w] = view.getUint32(w * 4);
  return notEmpty(words);
}

/** All-zero words (the empty slot) become 0,0,0,1: that key shares a slot, never goes missing. */
function notEmpty(words: Uint32Array): Uint32Array {
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[3] = 1;
  return words;
}
