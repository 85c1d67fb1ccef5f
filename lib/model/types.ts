/** Plain documents of datamon's metadata. Codecs live in codec.ts; nothing here does I/O. */

/** Who made a change or a read. */
export interface Contributor {
  name: string;
  email: string;
  /**
   * The account the store's credentials belong to, as the cloud told it (an AWS ARN, a Google
   * account's email); absent on a local store, with --skip-auth, or when the cloud did not say.
   */
  identity?: string;
}

/** A bundle named by its repo and id: what a dataset was made from. */
export interface BundleRef {
  repo: string;
  bundle: string;
  /**
   * Set for a bundle of another context (a migration's Go datamon source): its config store
   * URL and context name, as CONFIG_URL#CONTEXT. Absent: this context.
   */
  context?: string;
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
  /**
   * Which life of this name the repo is (a ksuid set at create, kept by a rename): a repo
   * deleted and created again under the same name is another incarnation. Absent in repos
   * created before it was recorded.
   */
  incarnation?: string;
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
  /**
   * Names the content-addressing format: "blake3", which datamon writes, or "go-blake2b" for a
   * Go datamon bundle read in place (its keys are Go's BLAKE2b root keys).
   */
  deduplication: "blake3" | "go-blake2b";
  /**
   * Version of this metadata layout: 1 (every file in leaves and root objects), 2 (small files
   * may sit in pack objects, see FileEntry.pack) or 3 (symlink and directory entries, see
   * TreeEntry).
   */
  formatVersion: number;
  /**
   * The incarnation of the repo the bundle was committed to (RepoDoc.incarnation); absent in
   * older bundles and in those of repos without one.
   */
  repoIncarnation?: string;
  /** Number of bundle-files-{i}.yaml lists. */
  fileListCount: number;
  /**
   * Hex BLAKE3 of each bundle-files-{i}.yaml as written, in list order; absent in bundles
   * written before datamon recorded them (their lists are read unverified).
   */
  fileListChecksums?: string[];
  /** Number of file entries over all lists. */
  fileCount: number;
  /** Sum of all file sizes. */
  totalSize: number;
  /** The bundles this one was made from (lineage); absent when none were recorded. */
  inputs?: BundleRef[];
}

/** Where a packed file's bytes are: `size` bytes at `offset` of pack object `id`. */
export interface PackLocation {
  /** ksuid of the pack, a self-describing object of the blob store (lib/cafs/pack.ts). */
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

/** A symbolic link of a bundle (format 3): kept as its target, never followed. */
export interface SymlinkEntry {
  kind: "symlink";
  name: string;
  /** What the link points to, as readlink gives it (relative or absolute, maybe dangling). */
  target: string;
  mode: number;
  mtime: Date;
}

/**
 * An empty directory of a bundle (format 3). Its name ends with '/', so entries stay in plain
 * name order ("a/b-c" < "a/b/" < "a/b0"), the order the walk yields them in.
 */
export interface DirectoryEntry {
  kind: "dir";
  name: string;
  mode: number;
  mtime: Date;
}

/** Any entry of a bundle's file lists: a regular file (no `kind`), a symlink or a directory. */
export type TreeEntry = FileEntry | SymlinkEntry | DirectoryEntry;

/** True for a regular file's entry, the only kind that names blobs. */
export function isFileEntry(entry: TreeEntry): entry is FileEntry {
  return !("kind" in entry);
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

/** What a metadata write changed, as its write-ahead log record names it. */
export type WriteOperation =
  | "create context"
  | "delete context"
  | "create repo"
  | "delete repo"
  | "rename repo"
  | "start upload"
  | "write file list"
  | "record lineage"
  | "commit bundle"
  | "set label"
  | "record diamond"
  | "delete bundle"
  | "delete label"
  | "redact file"
  | "migrate bundle";

/** Every WriteOperation, in the order a bundle's life sees them. */
export const WRITE_OPERATIONS: readonly WriteOperation[] = [
  "create context",
  "delete context",
  "create repo",
  "delete repo",
  "rename repo",
  "start upload",
  "write file list",
  "record lineage",
  "commit bundle",
  "set label",
  "record diamond",
  "delete bundle",
  "delete label",
  "redact file",
  "migrate bundle",
];

/** One write-ahead log record, written (create-only) before the change it describes. */
export interface WalRecord {
  /** ksuid of the record: orders the log. */
  id: string;
  actor: Contributor;
  operation: WriteOperation;
  /**
   * The key the change writes or removes, in the store named by `store`; for "migrate bundle",
   * the Go bundle.yaml the bundle is copied from.
   */
  key: string;
  /** URL of the store the change is made in (for "migrate bundle", the Go metadata store). */
  store: string;
  repo?: string;
  bundle?: string;
  time: Date;
}

/** How a bundle was read. */
export type ReadMethod = "download" | "download file" | "mount";
/** Every ReadMethod. */
export const READ_METHODS: readonly ReadMethod[] = ["download", "download file", "mount"];

/** What of a bundle was read: all of it, the files a --name-filter matched, or one file. */
export type ReadSelection = "all" | "filter" | "file";
/** Every ReadSelection. */
export const READ_SELECTIONS: readonly ReadSelection[] = ["all", "filter", "file"];

/** One read log record: a bundle (or part of it) was read. Create-only. */
export interface ReadRecord {
  id: string;
  actor: Contributor;
  repo: string;
  bundle: string;
  selection: ReadSelection;
  /** The filter's regular expression, or the file's name; absent for "all". */
  target?: string;
  method: ReadMethod;
  time: Date;
  /** Name of the machine that read. */
  host: string;
  /** DATAMON_RUN_ID of the process that read, when it ran under one. */
  run?: string;
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
  /** URL of a Prometheus Pushgateway that receives each command's metrics. */
  metrics?: string;
}
