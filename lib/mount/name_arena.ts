/**
 * The names of an inode table, numbered in the order they are added and kept end to end in one
 * arena of UTF-16 code units: one byte a unit while every name is Latin-1 (as most file names
 * are), two bytes from the first name that is not. A name is found again by its number; no
 * string is kept per name, so a million names cost their code units and 4 bytes each.
 */

/** Code units of a name String.fromCharCode is given at once (its arguments are bounded). */
const TEXT_CHUNK = 4096;

/** Names by number, in one arena of code units. */
export class NameArena {
  #units: Uint8Array | Uint16Array;
  /** Name `n` is units `#starts[n]` to `#starts[n + 1]`. */
  #starts: Uint32Array;
  #count = 0;

  /**
   * @param plannedNames names room is made for at once (more grow the arena)
   * @param plannedUnits code units room is made for at once; memory untouched costs nothing
   */
  constructor(plannedNames: number, plannedUnits: number) {
    this.#units = new Uint8Array(Math.max(plannedUnits, 1024));
    this.#starts = new Uint32Array(Math.max(plannedNames, 1024) + 1);
  }

  /** Names added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds `name`; returns its number (the count of names added before it). */
  add(name: string): number {
    const start = this.#starts[this.#count];
    const end = start + name.length;
    if (end > this.#units.length) this.#units = grown(this.#units, end);
    let units = this.#units;
    for (let i = 0; i < name.length; i++) {
      const unit = name.charCodeAt(i);
      if (unit > 0xff && units instanceof Uint8Array) units = this.#widen();
      units[start + i] = unit;
    }
    if (this.#count + 2 > this.#starts.length) this.#starts = grown(this.#starts, this.#count + 2);
    this.#starts[this.#count + 1] = end;
    return this.#count++;
  }

  /** True when name `n` is `name`. */
  equals(n: number, name: string): boolean {
    const start = this.#starts[n];
    if (this.#starts[n + 1] - start !== name.length) return false;
    const units = this.#units;
    for (let i = 0; i < name.length; i++) {
      if (units[start + i] !== name.charCodeAt(i)) return false;
    }
    return true;
  }

  /** Name `n` as a string. */
  text(n: number): string {
    const end = this.#starts[n + 1];
    let text = "";
    for (let at = this.#starts[n]; at < end; at += TEXT_CHUNK) {
      text += String.fromCharCode(...this.#units.subarray(at, Math.min(end, at + TEXT_CHUNK)));
    }
    return text;
  }

  /** nameHash of name `n` (no string made: a rehash hashes every name again). */
  hash(seed: number, n: number): number {
    const units = this.#units;
    let hash = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
    for (let at = this.#starts[n]; at < this.#starts[n + 1]; at++) {
      hash = Math.imul(hash ^ units[at], 0x01000193);
    }
    return hash >>> 0;
  }

  /** Moves the arena to two bytes a unit: a name with a unit past Latin-1 came. */
  #widen(): Uint16Array {
    const wide = new Uint16Array(this.#units.length);
    wide.set(this.#units);
    this.#units = wide;
    return wide;
  }
}

/** FNV-1a of `seed` (e.g. a parent inode) and a name's code units: NameArena.hash of a string. */
export function nameHash(seed: number, name: string): number {
  let hash = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** A copy of `values` with room for at least `length`, half as large again at least. */
function grown<A extends Uint8Array | Uint16Array | Uint32Array>(values: A, length: number): A {
  const copy = new (values.constructor as new (n: number) => A)(
    Math.max(length, Math.ceil(values.length * 1.5)),
  );
  copy.set(values);
  return copy;
}
