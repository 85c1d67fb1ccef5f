/**
 * Looks items of a name-ordered stream up by names asked in ascending order (the walk's order),
 * reading the stream once, beside the walk: neither side is ever held in memory.
 */

/** A cursor over `source`, whose items must come in ascending name order. */
export class NameCursor<T extends { name: string }> {
  readonly #source: AsyncIterator<T>;
  #current: T | undefined;
  #done = false;

  constructor(source: AsyncIterable<T>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /**
   * The item named `name`, or undefined. Names must be asked in ascending order; the items
   * passed over on the way are dropped.
   */
  async find(name: string): Promise<T | undefined> {
    while (!this.#done && (this.#current === undefined || this.#current.name < name)) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else this.#current = next.value;
    }
    return this.#current?.name === name ? this.#current : undefined;
  }

  /** Stops reading the source. */
  async close(): Promise<void> {
    this.#done = true;
    await this.#source.return?.();
  }
}
