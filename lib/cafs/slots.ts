/**
 * A bounded pool of leaf buffers in shared memory: the hashing Workers read them in place, and
 * the number of leaves in flight (so the memory an upload holds) never exceeds the pool.
 */

/** One leaf buffer lent by the pool; give it back with release() exactly once. */
export interface LeafSlot {
  /** `size` bytes over a SharedArrayBuffer; its contents are whatever the last user left. */
  readonly bytes: Uint8Array;
  release(): void;
}

/** Lends at most `count` buffers of `size` bytes; acquire() waits while all are lent. */
export class SlotPool {
  readonly count: number;
  readonly size: number;
  /** Buffers returned and ready to lend again; they are allocated on first need. */
  readonly #free: Uint8Array[] = [];
  readonly #waiting: Array<(bytes: Uint8Array) => void> = [];
  #allocated = 0;

  constructor(count: number, size: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`slot count ${count} < 1`);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slot size ${size} < 1`);
    this.count = count;
    this.size = size;
  }

  /** Slots not lent right now. */
  get available(): number {
    return this.#free.length + (this.count - this.#allocated);
  }

  /** A free slot, waiting (in arrival order) until one is released when all are lent. */
  acquire(): Promise<LeafSlot> {
    const bytes = this.#free.pop() ?? this.#allocate();
    if (bytes) return Promise.resolve(this.#lend(bytes));
    return new Promise((resolve) => {
      this.#waiting.push((bytes) => resolve(this.#lend(bytes)));
    });
  }

  #allocate(): Uint8Array | undefined {
    if (this.#allocated === this.count) return undefined;
    this.#allocated++;
    return new Uint8Array(new SharedArrayBuffer(this.size));
  }

  #lend(bytes: Uint8Array): LeafSlot {
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) throw new Error("a leaf slot was released twice");
        released = true;
        const next = this.#waiting.shift();
        if (next) next(bytes);
        else this.#free.push(bytes);
      },
    };
  }
}
