/** Plain documents of datamon's metadata. Codecs live in codec.ts; nothing here does I/O. */

/** Who made a change. */
export interface Contributor {
  name: string;
  email: string;
}

/** The five stores one team uses; each value is a store URL. */
export interface ContextDoc {
  name: string;
  blob: string;
  metadata: string;
  vmetadata: string;
  wal: string;
  readlog: string;
}

/** repos/{repo}/repo.yaml (create-only). */
export interface RepoDoc {
  name: string;
  description: string;
  timestamp: Date;
  contributor: Contributor;
}

/** bundles/{repo}/{id}/bundle.yaml: written last, the bundle's commit point. */
export interface BundleDoc {
  id: string;
  repo: string;
  message: string;
  timestamp: Date;
  contributors: Contributor[];
  /** Bytes per leaf used to split this bundle's files. */
  leafSize: number;
  /** Always "blake3": names the content-addressing format. */
  deduplication: "blake3";
  /**
   * Version of this metadata layout: 1 (every file in leaves and root objects) or 2 (small files
   * may sit in pack objects, see FileEntry.pack).
   */
  formatVersion: number;
  /** Number of bundle-files-{i}.yaml lists. */
  fileListCount: number;
  /** Number of file entries over all lists. */
  fileCount: number;
  /** Sum of all file sizes. */
  totalSize: number;
}

/** Where a packed file's bytes are: `size` bytes at `offset` of pack object `id`. */
export interface PackLocation {
  /** ksuid of the pack, stored in the blob store at `packs/{id}`. */
  id: string;
  /** Byte offset of the file's bytes inside the pack. */
  offset: number;
}

/** One file of a bundle. `name` is relative, `/`-separated, without a leading `/`. */
export interface FileEntry {
  name: string;
  size: number;
  /** Permission bits (e.g. 0o644). */
  mode: number;
  mtime: Date;
  /**
   * Hex BLAKE3: the leaf key for a one-leaf file, else the root object's key. A packed file's
   * key is BLAKE3 of its bytes too, so its read is verified like a leaf's.
   */
  key: string;
  /** Set when the file's bytes sit in a pack object (format 2) instead of a leaf object. */
  pack?: PackLocation;
}

/** One move of a label: labels/{repo}/{label}/{recordId}.yaml (create-only). */
export interface LabelRecord {
  /** ksuid of this record; the greatest is the label's current target. */
  id: string;
  name: string;
  repo: string;
  bundleId: string;
  timestamp: Date;
  contributor: Contributor;
}

/** The user's config file: defaults for flags, every field optional. */
export interface ConfigDoc {
  /** URL of the store that holds contexts/{ctx}/context.yaml. */
  config?: string;
  /** Name of the context to use. */
  context?: string;
  /** Contributor name recorded on writes. */
  name?: string;
  /** Contributor email recorded on writes. */
  email?: string;
  /** How many transfers run at once. */
  concurrency?: number;
}

/** A bundle named by repo and id, e.g. an input a new bundle was made from. */
export interface BundleRef {
  repo: string;
  bundle: string;
}
