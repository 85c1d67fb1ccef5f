/**
 * Writing a new bundle's metadata: its file entries as bundle-files-{i}.yaml lists of
 * FILE_LIST_SIZE entries, written as they fill, then the commit: the lineage markers, and
 * bundle.yaml, create-only and last, so that nothing of the bundle is visible before every
 * list is stored. bundle.yaml records each list's checksum, so a list is verified when read,
 * and ends with its own (checksum.ts).
 * Each write is preceded by its write-ahead record.
 */
import { DatamonError } from "../errors.ts";
import {
  type BundleDoc,
  type BundleRef,
  type Contributor,
  type RepoDoc,
  type TreeEntry,
} from "../model/types.ts";
import { encodeBundle, encodeFileList } from "../model/codec.ts";
import { bundleKey, bundlePrefix, fileListKey } from "../model/keys.ts";
import { newKsuid } from "../model/ksuid.ts";
import type { Context } from "./context.ts";
import { createDocument } from "./documents.ts";
import { checksumOf, sealed } from "./checksum.ts";
import { type Change, logWrite } from "./audit.ts";
import { recordLineage } from "./lineage.ts";
import { EntryList } from "./entry_list.ts";
import { getRepo, requireSameRepo } from "./repo.ts";

const encoder = new TextEncoder();

/** What the commit records beside the entries. */
export interface BundleDetails {
  message: string;
  leafSize: number;
  /** Bundles this one is made from, distinct and without itself (see distinctInputs). */
  inputs: readonly BundleRef[];
  /** When and by whom the bundle was made, when not now by the writer's actor (a migration). */
  timestamp?: Date;
  contributors?: readonly Contributor[];
}

/**
 * The metadata of one upload, fed its entries in name order.
 *
 * @example
 * const writer = await BundleWriter.start(ctx, "repo", actor);
 * for (const entry of entries) await writer.add(entry);
 * const bundle = await writer.commit({ message: "m", leafSize, inputs: [] });
 */
export class BundleWriter {
  #list = new EntryList();
  #lists = 0;
  #checksums: string[] = [];

  private constructor(
    private readonly ctx: Context,
    private readonly actor: Contributor,
    /** The repo as it was when the upload began: the bundle commits to that incarnation only. */
    private readonly repo: RepoDoc,
    /** The new bundle, by repo and id. */
    readonly ref: BundleRef,
  ) {}

  /**
   * Reads the repo (not-found when it does not exist), picks the new bundle's id (unless given:
   * a diamond's commit fixes it, so that a re-run makes the same bundle) and writes the
   * write-ahead record of the upload: blobs and packs, written before any metadata key, name
   * none of their own.
   */
  static async start(
    ctx: Context,
    repo: string,
    actor: Contributor,
    id = newKsuid(),
  ): Promise<BundleWriter> {
    const doc = await getRepo(ctx, repo);
    const writer = new BundleWriter(ctx, actor, doc, { repo, bundle: id });
    await writer.#log("start upload", bundlePrefix(repo, writer.ref.bundle));
    return writer;
  }

  /** Entries added so far. */
  get fileCount(): number {
    return this.#list.files;
  }

  /** Adds the next entry (in name order); a full list is written at once. */
  async add(entry: TreeEntry): Promise<void> {
    if (this.#list.add(entry)) await this.#flush();
  }

  /**
   * Writes the last list, the lineage markers under each input, then bundle.yaml: the commit
   * point, once the repo is found to be still the incarnation the upload began with (else
   * not-found, and nothing is committed). Call it once every blob and pack the entries name is
   * stored.
   */
  async commit(details: BundleDetails): Promise<BundleDoc> {
    if (this.#list.pending) await this.#flush();
    const { repo, bundle: id } = this.ref;
    await recordLineage(this.ctx, this.actor, this.ref, details.inputs);
    const bundle: BundleDoc = {
      id,
      repo,
      message: details.message,
      timestamp: details.timestamp ?? new Date(),
      contributors: [...details.contributors ?? [this.actor]],
      leafSize: details.leafSize,
      deduplication: "blake3",
      formatVersion: this.#list.formatVersion,
      fileListCount: this.#lists,
      fileListChecksums: this.#checksums,
      fileCount: this.#list.files,
      totalSize: this.#list.size,
    };
    if (details.inputs.length > 0) bundle.inputs = [...details.inputs];
    if (this.repo.incarnation !== undefined) bundle.repoIncarnation = this.repo.incarnation;
    await requireSameRepo(this.ctx, this.repo, "upload");
    const key = bundleKey(repo, id);
    await this.#log("commit bundle", key);
    if (!await createDocument(this.ctx.metadata, key, await sealed(encodeBundle(bundle)))) {
      throw new DatamonError("already-exists", `bundle ${id} already exists: retry the upload`);
    }
    return bundle;
  }

  async #flush(): Promise<void> {
    const key = fileListKey(this.ref.repo, this.ref.bundle, this.#lists);
    await this.#log("write file list", key);
    const bytes = encoder.encode(encodeFileList(this.#list.take()));
    if (!await this.ctx.metadata.putIfAbsent(key, bytes) && !await this.#holds(key, bytes)) {
      throw new DatamonError("already-exists", `file list ${key} already exists: retry the upload`);
    }
    this.#checksums.push(await checksumOf(bytes));
    this.#lists++;
  }

  /**
   * True when `key` already holds exactly `bytes`: a re-run of a commit that stopped (a
   * diamond's, whose bundle id is fixed) writes the same lists again.
   */
  async #holds(key: string, bytes: Uint8Array): Promise<boolean> {
    const stored = await this.ctx.metadata.get(key);
    return stored.length === bytes.length && stored.every((b, i) => b === bytes[i]);
  }

  async #log(operation: Change["operation"], key: string): Promise<void> {
    await logWrite(this.ctx.wal, this.actor, {
      operation,
      store: this.ctx.metadata,
      key,
      repo: this.ref.repo,
      bundle: this.ref.bundle,
    });
  }
}
