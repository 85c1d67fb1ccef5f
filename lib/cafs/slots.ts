/**
 * A bounded pool of leaf buffers: in shared memory, which the hashing Workers read in place, or
 * plain, which an upload moves to a Worker and back (Hasher.hashMoving). The number of leaves in
 * flight (so the memory an upload holds) never exceeds the pool.
 */

/** One leaf buffer lent by the pool; give it back with release() exactly once. */
export interface LeafSlot {
  /**
   * `size` bytes; their contents are whatever the last user left. The holder puts back here a
   * plain buffer that moved away and came back; one that did not come back is dropped on
   * release, and the pool makes another when needed.
   */
  bytes: Uint8Array;
  release(): void;
}

/** Where a pool's buffers live: shared with Workers, or plain (moved to them). */
export type SlotMemory = "shared" | "plain";

/** Lends at most `count` buffers of `size` bytes; acquire() waits while all are lent. */
export class SlotPool {
  readonly count: number;
  readonly size: number;
  /** Buffers returned and ready to lend again; they are allocated on first need. */
  readonly #free: Uint8Array[] = [];
  readonly #waiting: Array<(bytes: Uint8Array) => void> = [];
  #allocated = 0;

  readonly #memory: SlotMemory;

  constructor(count: number, size: number, memory: SlotMemory = "shared") {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`slot count ${count} < 1`);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slot size ${size} < 1`);
    this.count = count;
    this.size = size;
    this.#memory = memory;
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
    const size = this.size;
    return new Uint8Array(
      this.#memory === "shared" ? new SharedArrayBuffer(size) : new ArrayBuffer(size),
    );
  }

  #lend(bytes: Uint8Array): LeafSlot {
    let released = false;
    const slot: LeafSlot = {
      bytes,
      release: () => {
        if (released) throw new Error("a leaf slot was released twice");
        released = true;
        this.#giveBack(slot.bytes);
      },
    };
    return slot;
  }

  /** Lends a returned buffer to the next waiter, or keeps it; one lost in a move is replaced. */
  #giveBack(bytes: Uint8Array): void {
    let back: Uint8Array | undefined = bytes;
    // A buffer moved away and lost (its hash failed) is detached: empty.
    if (bytes.length !== this.size) {
      this.#allocated--;
      back = this.#waiting.length > 0 ? this.#allocate() : undefined;
    }
    if (!back) return;
    const next = this.#waiting.shift();
    if (next) next(back);
    else this.#free.push(back);
  }
}
