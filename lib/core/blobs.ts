/**
 * The blob side of one command: a hashing Worker pool shared by the readers and writers it
 * makes, sized so that memory stays bounded by concurrency x leaf size.
 */
import { Hasher } from "../cafs/hasher.ts";
import { CafsReader } from "../cafs/reader.ts";
import { CafsWriter } from "../cafs/writer.ts";
import type { Context } from "./context.ts";
import { leafBuffers } from "./tuning.ts";

/** Leaves fetched ahead, over all files being read at once. */
const READ_AHEAD_BYTES = 64 * 1024 * 1024;

export class Blobs implements Disposable {
  private constructor(private readonly ctx: Context, readonly hasher: Hasher) {}

  /** Starts the hashing Workers; dispose (or `using`) stops them. */
  static async open(ctx: Context): Promise<Blobs> {
    return new Blobs(ctx, await Hasher.create());
  }

  /** A writer of leaves of `leafSize` into the blob store. */
  writer(leafSize: number, concurrency: number): CafsWriter {
    return new CafsWriter({
      store: this.ctx.blob,
      hasher: this.hasher,
      leafSize,
      slots: leafBuffers(concurrency, leafSize),
    });
  }

  /** A verifying reader whose read-ahead over `concurrency` files stays within budget. */
  reader(leafSize: number, concurrency: number): CafsReader {
    const budget = Math.max(2, Math.floor(READ_AHEAD_BYTES / leafSize));
    // The shared buffer pool bounds memory; the per-file window only spreads it fairly.
    const window = Math.min(8, Math.max(1, Math.floor((2 * budget) / concurrency)));
    return new CafsReader({ store: this.ctx.blob, hasher: this.hasher, window, buffers: budget });
  }

  [Symbol.dispose](): void {
    this.hasher.close();
  }
}
