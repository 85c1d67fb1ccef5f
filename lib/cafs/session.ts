/**
 * The blob side of one command: a hashing Worker pool shared by the readers and writers it
 * makes, sized so that memory stays bounded by concurrency x leaf size.
 */
import { Hasher } from "./hasher.ts";
import { CafsReader } from "./reader.ts";
import { CafsWriter } from "./writer.ts";
import { PackWriter } from "./pack_writer.ts";
import type { Context } from "../meta/context.ts";
import { leafBuffers, type PackOptions } from "./tuning.ts";

/** Leaves (and pack runs) fetched ahead, over all files being read at once. */
const READ_AHEAD_BYTES = 64 * 1024 * 1024;
/** Smallest and largest ranged read of a pack run, whatever the concurrency. */
const MIN_RUN_BYTES = 1024 * 1024;
const MAX_RUN_BYTES = 16 * 1024 * 1024;

export class Blobs implements Disposable {
  private constructor(private readonly ctx: Context, readonly hasher: Hasher) {}

  /** Starts the hashing Workers; dispose (or `using`) stops them. */
  static async open(ctx: Context): Promise<Blobs> {
    return new Blobs(ctx, await Hasher.create());
  }

  /** A packer of small files into the blob store. */
  packWriter(options: PackOptions): PackWriter {
    return new PackWriter({
      store: this.ctx.blob,
      hasher: this.hasher,
      packSize: options.packSize,
      maxBlob: options.maxPacked,
    });
  }

  /** A writer of leaves of `leafSize` into the blob store; small files go to `packs`, if given. */
  writer(leafSize: number, concurrency: number, packs?: PackWriter): CafsWriter {
    return new CafsWriter({
      store: this.ctx.blob,
      hasher: this.hasher,
      leafSize,
      slots: leafBuffers(concurrency, leafSize),
      packs,
    });
  }

  /**
   * A verifying reader whose read-ahead over `concurrency` files stays within budget: leaves
   * fetched ahead, and pack runs (concurrency of them at most) alike.
   */
  reader(leafSize: number, concurrency: number): CafsReader {
    const budget = Math.max(2, Math.floor(READ_AHEAD_BYTES / leafSize));
    // The shared buffer pool bounds memory; the per-file window only spreads it fairly.
    const window = Math.min(8, Math.max(1, Math.floor((2 * budget) / concurrency)));
    const runBytes = Math.min(
      MAX_RUN_BYTES,
      Math.max(MIN_RUN_BYTES, Math.floor(READ_AHEAD_BYTES / concurrency)),
    );
    return new CafsReader({
      store: this.ctx.blob,
      hasher: this.hasher,
      window,
      buffers: budget,
      runBytes,
    });
  }

  [Symbol.dispose](): void {
    this.hasher.close();
  }
}
