/**
 * A file list that arrives when a test says: lists pushed one at a time, then an end or a
 * failure, so tests can ask for what has not arrived yet.
 */
import type { FileEntry, TreeEntry } from "../../lib/model/types.ts";

const KEY = "0123456789abcdef".repeat(4);

/** A regular file entry named `name` whose size is its name's length. */
export function fileEntry(name: string): FileEntry {
  return { name, size: name.length, mode: 0o644, mtime: new Date(5000), key: KEY };
}

/** Lists handed out as they are pushed. */
export class EntryStream implements AsyncIterable<TreeEntry[]> {
  readonly #queue: (TreeEntry[] | Error | null)[] = [];
  #wake = Promise.withResolvers<void>();

  /** The next list: entries named `names`. */
  push(...names: string[]): void {
    this.#put(names.map(fileEntry));
  }

  /** The list ends here. */
  end(): void {
    this.#put(null);
  }

  /** Reading the rest of the list fails with `error`. */
  fail(error: Error): void {
    this.#put(error);
  }

  #put(item: TreeEntry[] | Error | null): void {
    this.#queue.push(item);
    this.#wake.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TreeEntry[]> {
    for (;;) {
      while (this.#queue.length === 0) {
        await this.#wake.promise;
        this.#wake = Promise.withResolvers<void>();
      }
      const item = this.#queue.shift()!;
      if (item === null) return;
      if (item instanceof Error) throw item;
      yield item;
    }
  }
}

/** Settles after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** "pending" when `promise` has not settled within `ms`, else what it settled to. */
export function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([promise, delay(ms).then(() => "pending" as const)]);
}
