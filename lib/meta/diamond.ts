/**
 * A diamond's records in the metadata store (after Go datamon's): diamond.yaml when initialized;
 * closed.yaml, created once by whichever of a commit ("committing") and a cancel comes first;
 * done.yaml once the commit's bundle is committed. Each split uploads in runs (generations):
 * running.yaml, its file lists, then done.yaml or failed.yaml. Every record is create-only and
 * preceded by its write-ahead record, so a state is never overwritten and concurrent writers
 * never clobber one another: they write under keys of their own.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleRef, Contributor, FileEntry, TreeEntry } from "../model/types.ts";
import type {
  DiamondClosed,
  DiamondDoc,
  DiamondDone,
  SplitDone,
  SplitFailed,
  SplitRunning,
  SplitSource,
} from "../model/diamond.ts";
import {
  decodeDiamond,
  decodeDiamondClosed,
  decodeDiamondDone,
  decodeSplitDone,
  decodeSplitFailed,
  decodeSplitRunning,
  decodeTreeList,
  encodeDiamond,
  encodeDiamondClosed,
  encodeDiamondDone,
  encodeFileList,
  encodeSplitDone,
  encodeSplitFailed,
  encodeSplitRunning,
} from "../model/codec.ts";
import {
  diamondRecordKey,
  diamondsPrefix,
  diamondsRoot,
  generationFileListKey,
  generationStateKey,
  splitPrefix,
  splitsPrefix,
} from "../model/keys.ts";
import { isKsuid, newKsuid } from "../model/ksuid.ts";
import { isFileEntry } from "../model/types.ts";
import type { Context } from "./context.ts";
import { childNames, createDocument, mapOrdered, readDocument } from "./documents.ts";
import { checksumOf } from "./checksum.ts";
import { logWrite } from "./audit.ts";
import { getRepo } from "./repo.ts";
import { EntryList } from "./entry_list.ts";

/** Where a diamond stands, from its records. */
export type DiamondState = "initialized" | "committing" | "done" | "cancelled";

/** A diamond and the records that tell its state. */
export interface DiamondStatus {
  doc: DiamondDoc;
  state: DiamondState;
  closed?: DiamondClosed;
  done?: DiamondDone;
}

/** Where a run of a split stands; "running" may be a run that died (core tells by its lock). */
export type RunState = "running" | "done" | "failed";

/** One run (generation) of a split. */
export interface SplitRun {
  split: string;
  generation: string;
  state: RunState;
  running: SplitRunning;
  done?: SplitDone;
  failed?: SplitFailed;
}

/** Initializes a diamond of an existing repo and returns its record. */
export async function createDiamond(
  ctx: Context,
  repo: string,
  actor: Contributor,
  tag?: string,
): Promise<DiamondDoc> {
  await getRepo(ctx, repo);
  const doc: DiamondDoc = { id: newKsuid(), repo, time: new Date(), contributor: actor };
  if (tag !== undefined) doc.tag = tag;
  const key = diamondRecordKey(repo, doc.id, "diamond");
  await createRecord(ctx, actor, key, repo, encodeDiamond(doc));
  return doc;
}

/** A diamond's records; not-found (one line) when the repo has no such diamond. */
export async function getDiamond(ctx: Context, repo: string, id: string): Promise<DiamondStatus> {
  // An id that is no ksuid names no diamond (and never becomes a key segment).
  // The three records are read at once: one round trip, not three, for every split's checks.
  const [doc, closed, done] = isKsuid(id)
    ? await Promise.all([
      findRecord(ctx, diamondRecordKey(repo, id, "diamond"), decodeDiamond),
      findRecord(ctx, diamondRecordKey(repo, id, "closed"), decodeDiamondClosed),
      findRecord(ctx, diamondRecordKey(repo, id, "done"), decodeDiamondDone),
    ])
    : [];
  if (!doc) {
    await getRepo(ctx, repo);
    throw new DatamonError(
      "not-found",
      `diamond ${id} not found in repo "${repo}": see "datamon diamond list --repo ${repo}"`,
    );
  }
  const state = done ? "done" : closed?.state ?? "initialized";
  return { doc, state, ...(closed ? { closed } : {}), ...(done ? { done } : {}) };
}

/** Every diamond of a repo, oldest first (ids are ksuids). */
export async function* listDiamonds(
  ctx: Context,
  repo: string,
  concurrency = 16,
): AsyncGenerator<DiamondStatus> {
  await getRepo(ctx, repo);
  const ids = childNames(ctx.metadata, diamondsPrefix(repo));
  yield* mapOrdered(ids, concurrency, (id) => getDiamond(ctx, repo, id));
}

/**
 * Creates closed.yaml unless it exists, and returns the one stored: `closed` when this call
 * created it, else the record of the commit or cancel that came first.
 */
export async function closeDiamond(
  ctx: Context,
  repo: string,
  id: string,
  closed: DiamondClosed,
): Promise<DiamondClosed> {
  const key = diamondRecordKey(repo, id, "closed");
  await logRecord(ctx, closed.contributor, key, repo);
  if (await createDocument(ctx.metadata, key, encodeDiamondClosed(closed))) return closed;
  return await readDocument(ctx.metadata, key, decodeDiamondClosed);
}

/** Creates done.yaml (after the bundle's commit point); a re-run finds it there and is done. */
export async function finishDiamond(
  ctx: Context,
  repo: string,
  id: string,
  actor: Contributor,
  done: DiamondDone,
): Promise<void> {
  const key = diamondRecordKey(repo, id, "done");
  await logRecord(ctx, actor, key, repo, done.bundle);
  await createDocument(ctx.metadata, key, encodeDiamondDone(done));
}

/** The runs of one split, oldest first; empty when the diamond has no such split. */
export async function splitRuns(
  ctx: Context,
  repo: string,
  diamond: string,
  split: string,
): Promise<SplitRun[]> {
  const generations = await Array.fromAsync(
    childNames(ctx.metadata, splitPrefix(repo, diamond, split)),
  );
  const runs = await Array.fromAsync(
    mapOrdered(generations, 8, (g) => readRun(ctx, repo, diamond, split, g)),
  );
  return runs.filter((run): run is SplitRun => run !== undefined);
}

/** The ids of a diamond's splits, in name order. */
export function splitIds(ctx: Context, repo: string, diamond: string): AsyncGenerator<string> {
  return childNames(ctx.metadata, splitsPrefix(repo, diamond));
}

/** A run's records; undefined while its running.yaml is not yet stored. */
async function readRun(
  ctx: Context,
  repo: string,
  diamond: string,
  split: string,
  generation: string,
): Promise<SplitRun | undefined> {
  const key = (state: RunState) => generationStateKey(repo, diamond, split, generation, state);
  // running.yaml and done.yaml at once: a finished run costs one round trip.
  const [running, done] = await Promise.all([
    findRecord(ctx, key("running"), decodeSplitRunning),
    findRecord(ctx, key("done"), decodeSplitDone),
  ]);
  if (!running) return undefined;
  const failed = done ? undefined : await findRecord(ctx, key("failed"), decodeSplitFailed);
  const state = done ? "done" : failed ? "failed" : "running";
  return {
    split,
    generation,
    state,
    running,
    ...(done ? { done } : {}),
    ...(failed ? { failed } : {}),
  };
}

/** What a run records when it starts. */
export interface RunStart {
  repo: string;
  diamond: string;
  split: string;
  actor: Contributor;
  /** Key of the writer lock the run holds. */
  lock: string;
  path: string;
  tag?: string;
}

/**
 * The metadata of one run of a split, fed its entries in name order: file lists as they fill,
 * then done.yaml (or failed.yaml). A full list is written while the next fills (one write in
 * flight at most), so the upload does not stop for its round trips.
 *
 * @example
 * const run = await SplitWriter.start(ctx, { repo, diamond, split, actor, lock, path });
 * for (const entry of entries) await run.add(entry);
 * await run.commit(leafSize, Promise.resolve([]));
 */
export class SplitWriter {
  #list = new EntryList();
  #checksums: string[] = [];
  /** The write of the last full list, still in flight or done. */
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ctx: Context,
    private readonly repo: string,
    private readonly diamond: string,
    /** The run's running.yaml. */
    readonly record: SplitRunning,
  ) {}

  /** Writes running.yaml of a new run. */
  static async start(ctx: Context, start: RunStart): Promise<SplitWriter> {
    const { repo, diamond, split, actor, lock, path, tag } = start;
    const record: SplitRunning = {
      split,
      generation: newKsuid(),
      time: new Date(),
      contributor: actor,
      lock,
      path,
    };
    if (tag !== undefined) record.tag = tag;
    const writer = new SplitWriter(ctx, repo, diamond, record);
    await writer.#create(writer.#key("running"), encodeSplitRunning(record));
    return writer;
  }

  /** Entries added so far. */
  get fileCount(): number {
    return this.#list.files;
  }

  /**
   * Adds the next entry (in name order). A full list starts being written once the previous
   * one is stored; a failed write fails the next add or the commit.
   */
  async add(entry: TreeEntry): Promise<void> {
    if (this.#list.add(entry)) await this.#writeNext();
  }

  /**
   * Writes the last list and done.yaml: the run is part of the diamond from here on. `ready`
   * (the caller's last checks, which give the run's inputs) runs meanwhile, with done.yaml's
   * write-ahead record; done.yaml waits for every list and for `ready`.
   */
  async commit(leafSize: number, ready: Promise<readonly BundleRef[]>): Promise<SplitDone> {
    const doneKey = this.#key("done");
    const lists = this.#list.pending ? this.#writeNext().then(() => this.#writing) : this.#writing;
    const [inputs] = await allSettled([ready, lists, this.#log(doneKey)]);
    const done: SplitDone = {
      time: new Date(),
      fileListCount: this.#checksums.length,
      fileListChecksums: this.#checksums,
      fileCount: this.#list.files,
      totalSize: this.#list.size,
      leafSize,
      inputs: [...inputs],
    };
    await storeRecord(this.ctx, doneKey, encodeSplitDone(done));
    return done;
  }

  /** Writes failed.yaml: the run stopped on `error`, and no commit takes it. */
  async fail(error: string): Promise<void> {
    await this.#writing.catch(() => {});
    const failed: SplitFailed = { time: new Date(), error };
    await this.#create(this.#key("failed"), encodeSplitFailed(failed));
  }

  /** Waits for the list in flight, then starts writing the one filled. */
  async #writeNext(): Promise<void> {
    await this.#writing;
    const { split, generation } = this.record;
    const i = this.#checksums.length;
    const key = generationFileListKey(this.repo, this.diamond, split, generation, i);
    const bytes = new TextEncoder().encode(encodeFileList(this.#list.take()));
    this.#writing = this.#create(key, bytes, "write file list");
    // Handled here so that a failure waits, unreported, for the next add or the commit.
    this.#writing.catch(() => {});
    this.#checksums.push(await checksumOf(bytes));
  }

  #key(state: RunState): string {
    const { split, generation } = this.record;
    return generationStateKey(this.repo, this.diamond, split, generation, state);
  }

  #create(key: string, content: string | Uint8Array, operation?: "write file list") {
    return createRecord(this.ctx, this.record.contributor, key, this.repo, content, operation);
  }

  #log(key: string): Promise<unknown> {
    return logRecord(this.ctx, this.record.contributor, key, this.repo);
  }
}

/**
 * Waits for every promise, then returns their values, or throws the first one's error in
 * order: nothing is left running behind a failure.
 */
async function allSettled<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * The entries of a finished run in name order, each list verified against the checksum its
 * done.yaml records before any of its entries is yielded (one list is read ahead).
 */
export async function* runEntries(
  ctx: Context,
  repo: string,
  diamond: string,
  source: SplitSource,
  done: SplitDone,
): AsyncGenerator<TreeEntry> {
  const indexes = Array.from({ length: done.fileListCount }, (_, i) => i);
  const lists = mapOrdered(indexes, 2, async (i) => {
    const key = generationFileListKey(repo, diamond, source.split, source.generation, i);
    const bytes = await ctx.metadata.get(key);
    if (await checksumOf(bytes) !== done.fileListChecksums[i]) {
      throw new DatamonError(
        "integrity",
        `${key} in ${ctx.metadata.url} does not match the checksum its split recorded: the ` +
          `metadata store is damaged; run split ${source.split} again`,
      );
    }
    return decodeTreeList(new TextDecoder().decode(bytes), `${key} in ${ctx.metadata.url}`);
  });
  for await (const list of lists) yield* list;
}

/** The file entries of one finished run of a live split, and the leaf size they were cut by. */
export interface LiveSplitFiles {
  /** The run, for messages: "run {generation} of split {split} of diamond {diamond} ...". */
  what: string;
  leafSize: number;
  entries: AsyncGenerator<FileEntry>;
}

/**
 * The file entries of every finished run of every diamond of `ctx` neither committed nor
 * cancelled: what a purge must keep besides the committed bundles, since a commit will name
 * them. (A run still going holds a writer lock, which keeps the purge away.)
 */
export async function* liveSplitFiles(ctx: Context): AsyncGenerator<LiveSplitFiles> {
  for await (const repo of childNames(ctx.metadata, diamondsRoot)) {
    for await (const diamond of childNames(ctx.metadata, diamondsPrefix(repo))) {
      const status = await getDiamond(ctx, repo, diamond);
      if (status.state === "done" || status.state === "cancelled") continue;
      for await (const split of splitIds(ctx, repo, diamond)) {
        for (const run of await splitRuns(ctx, repo, diamond, split)) {
          if (!run.done) continue;
          const entries = runEntries(ctx, repo, diamond, run, run.done);
          const what = `run ${run.generation} of split ${split} of diamond ${diamond} of ` +
            `repo "${repo}"`;
          yield { what, leafSize: run.done.leafSize, entries: filesOnly(entries) };
        }
      }
    }
  }
}

async function* filesOnly(entries: AsyncGenerator<TreeEntry>): AsyncGenerator<FileEntry> {
  for await (const entry of entries) if (isFileEntry(entry)) yield entry;
}

async function findRecord<T>(
  ctx: Context,
  key: string,
  decode: (text: string, what: string) => T,
): Promise<T | undefined> {
  try {
    return await readDocument(ctx.metadata, key, decode);
  } catch (e) {
    if (isKind(e, "not-found")) return undefined;
    throw e;
  }
}

/** The write-ahead record of a diamond write, then the create-only write itself. */
async function createRecord(
  ctx: Context,
  actor: Contributor,
  key: string,
  repo: string,
  content: string | Uint8Array,
  operation: "record diamond" | "write file list" = "record diamond",
): Promise<void> {
  await logRecord(ctx, actor, key, repo, undefined, operation);
  await storeRecord(ctx, key, content);
}

/** The create-only write of a record whose write-ahead record is stored. */
async function storeRecord(ctx: Context, key: string, content: string | Uint8Array) {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  if (!await ctx.metadata.putIfAbsent(key, bytes)) {
    throw new DatamonError("already-exists", `${key} already exists in ${ctx.metadata.url}: retry`);
  }
}

function logRecord(
  ctx: Context,
  actor: Contributor,
  key: string,
  repo: string,
  bundle?: string,
  operation: "record diamond" | "write file list" = "record diamond",
) {
  const change = { operation, store: ctx.metadata, key, repo };
  return logWrite(ctx.wal, actor, bundle === undefined ? change : { ...change, bundle });
}
