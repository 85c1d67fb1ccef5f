/**
 * Bounds how many requests a network store has in flight: above the bound, callers queue in
 * arrival order. Keeps sockets, memory and the server's throttling in check however many
 * files the layers above work on at once.
 */
export class RequestLimiter {
  readonly #max: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`request limit must be a positive integer, got ${max}`);
    }
    this.#max = max;
  }

  /** Runs `request` once a slot is free; the slot is released however it ends. */
  async run<T>(request: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await request();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
