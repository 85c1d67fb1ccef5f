/**
 * Bounds what a network store has in flight, in requests or in bytes of request bodies: above
 * the bound, callers queue in arrival order. Keeps sockets, memory and the server's throttling
 * in check however many files the layers above work on at once.
 */
export class RequestLimiter {
  readonly #max: number;
  #used = 0;
  readonly #waiting: { cost: number; admit: () => void }[] = [];

  /** At most `max` units (requests, or bytes) in flight. */
  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`request limit must be a positive integer, got ${max}`);
    }
    this.#max = max;
  }

  /**
   * Runs `request` once `cost` units are free (a cost above the limit runs alone); they are
   * released however it ends.
   */
  async run<T>(request: () => Promise<T>, cost = 1): Promise<T> {
    if (this.#waiting.length > 0 || !this.#fits(cost)) {
      await new Promise<void>((admit) => this.#waiting.push({ cost, admit }));
    } else {
      this.#used += cost;
    }
    try {
      return await request();
    } finally {
      this.#used -= cost;
      this.#admitWaiting();
    }
  }

  #fits(cost: number): boolean {
    return this.#used === 0 || this.#used + cost <= this.#max;
  }

  /** Admits queued callers in order while the first of them fits. */
  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0].cost)) {
      const next = this.#waiting.shift()!;
      this.#used += next.cost;
      next.admit();
    }
  }
}
