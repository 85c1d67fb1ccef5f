/** Turns: at most a fixed number of async calls running at once, the rest waiting in order. */

/**
 * Runs async calls at most `max` at a time; a call over the limit waits for a turn, in the
 * order it asked. For work whose memory is per call (a buffer each) inside a wider pipeline.
 *
 * @example
 * const reads = new Turns(2);
 * const bytes = await reads.run(() => store.get(key));
 */
export class Turns {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`turns ${max} < 1`);
    this.#free = max;
  }

  /** The result of `call`, run once a turn is free. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await call();
    } finally {
      // The turn passes straight to the next waiter, or is freed.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
