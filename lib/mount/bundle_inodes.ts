/**
 * The inode table of a bundle's read-only view, built from its file list as it streams in:
 * files and symlinks get inodes in name order, the directories on their paths are synthesized
 * (an empty directory's entry gives its own mode and time). Per-inode
 * data lives in typed arrays (keys as 32 raw bytes), so a 100,000-file bundle costs a few MiB.
 */
import { DatamonError } from "../errors.ts";
import { isFileEntry, type PackLocation, type TreeEntry } from "../model/types.ts";
import { type Attr, S_IFDIR, S_IFLNK, S_IFREG } from "./fuse_ffi.ts";
import type { DirEntry, DirListing } from "./session.ts";
import { nameBytes } from "../util/byte_names.ts";

/** The inode of the mount's root directory, as FUSE fixes it. */
export const ROOT_INO = 1;

/** Key bytes the table first makes room for: a BLAKE3 key. */
const KEY_BYTES = 32;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A typed array that doubles as it fills. */
class Column<A extends Float64Array | Uint32Array | Uint16Array> {
  values: A;
  constructor(private readonly make: (n: number) => A, initial = 1024) {
    this.values = make(initial);
  }
  set(index: number, value: number): void {
    if (index >= this.values.length) {
      const grown = this.make(Math.max(index + 1, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[index] = value;
  }
}

/** A directory's children: by name for lookups, in order for listings. */
interface Children {
  byName: Map<string, number>;
  order: number[];
  subdirs: number;
}

/** What a file inode reads from. */
export interface BundleFile {
  /** The entry's name in the bundle. */
  name: string;
  key: string;
  size: number;
  /** Where a small file's bytes sit in a pack object (bundle format 2). */
  pack?: PackLocation;
}

/** Inodes of one bundle's files and directories. */
export class BundleInodes {
  /** Inode 0 is unused; inode 1 is the root. */
  #count = ROOT_INO + 1;
  readonly #parent = new Column((n) => new Uint32Array(n));
  readonly #names: string[] = ["", ""];
  readonly #size = new Column((n) => new Float64Array(n));
  readonly #mode = new Column((n) => new Uint16Array(n));
  readonly #mtime = new Column((n) => new Float64Array(n));
  #keys = new Uint8Array(1024 * KEY_BYTES);
  /** Bytes of each key, set by the first file's key. */
  #keyBytes = 0;
  /** Pack of a packed file: 1 + its index in #packIds, or 0 for a file of its own leaves. */
  readonly #pack = new Column((n) => new Uint32Array(n));
  readonly #packOffset = new Column((n) => new Float64Array(n));
  /** The few pack ids of the bundle, each stored once. */
  readonly #packIds: string[] = [];
  readonly #packIndex = new Map<string, number>();
  readonly #dirs = new Map<number, Children>();
  /** Targets of the symlink inodes. */
  readonly #targets = new Map<number, string>();
  /** Mode and time of directories the bundle lists (empty ones), by inode. */
  readonly #dirAttrs = new Map<number, { mode: number; mtimeMs: number }>();
  /** The directory the previous entry was in, so name-ordered entries rarely walk a path. */
  #lastDir = { path: "", ino: ROOT_INO };
  #files = 0;
  #bytes = 0;

  /**
   * @param dirMtimeMs time shown for synthesized directories (the bundle's)
   * @param owner uid and gid every inode is shown as owned by
   */
  constructor(
    private readonly dirMtimeMs: number,
    private readonly owner: { uid: number; gid: number },
  ) {
    this.#parent.set(ROOT_INO, ROOT_INO);
    this.#dirs.set(ROOT_INO, { byName: new Map(), order: [], subdirs: 0 });
  }

  /** The table of `entries`, built as they stream in (they are never held as a list). */
  static async fromEntries(
    entries: AsyncIterable<TreeEntry>,
    dirMtimeMs: number,
    owner: { uid: number; gid: number },
  ): Promise<BundleInodes> {
    const inodes = new BundleInodes(dirMtimeMs, owner);
    for await (const entry of entries) inodes.add(entry);
    return inodes;
  }

  /** Number of files. */
  get files(): number {
    return this.#files;
  }

  /** Sum of file sizes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of inodes, directories included. */
  get inodes(): number {
    return this.#count - 1;
  }

  /** Adds an entry and any directory on its path not yet seen. */
  add(entry: TreeEntry): void {
    if (!isFileEntry(entry) && entry.kind === "dir") {
      const ino = this.#directory(entry.name.slice(0, -1));
      this.#dirAttrs.set(ino, { mode: entry.mode & 0o7777, mtimeMs: entry.mtime.getTime() });
      return;
    }
    const slash = entry.name.lastIndexOf("/");
    const dirPath = slash < 0 ? "" : entry.name.slice(0, slash);
    const parent = dirPath === this.#lastDir.path ? this.#lastDir.ino : this.#directory(dirPath);
    this.#lastDir = { path: dirPath, ino: parent };
    const ino = this.#newInode(parent, entry.name.slice(slash + 1), entry.name);
    this.#mtime.set(ino, entry.mtime.getTime());
    if (!isFileEntry(entry)) {
      this.#targets.set(ino, entry.target);
      return;
    }
    this.#size.set(ino, entry.size);
    this.#mode.set(ino, entry.mode & 0o7777);
    this.#setKey(ino, entry.key);
    if (entry.pack) {
      let index = this.#packIndex.get(entry.pack.id);
      if (index === undefined) {
        index = this.#packIds.push(entry.pack.id) - 1;
        this.#packIndex.set(entry.pack.id, index);
      }
      this.#pack.set(ino, index + 1);
      this.#packOffset.set(ino, entry.pack.offset);
    }
    this.#files++;
    this.#bytes += entry.size;
  }

  /** The child `name` of directory `parent`, if any. */
  lookup(parent: number, name: string): number | undefined {
    return this.#dirs.get(parent)?.byName.get(name);
  }

  isDirectory(ino: number): boolean {
    return this.#dirs.has(ino);
  }

  /** True when `ino` is a regular file's inode. */
  isFile(ino: number): boolean {
    return this.has(ino) && !this.#dirs.has(ino) && !this.#targets.has(ino);
  }

  /** The target of a symlink inode; undefined for a file or directory. */
  target(ino: number): string | undefined {
    return this.#targets.get(ino);
  }

  /** True when `ino` names an inode of this table. */
  has(ino: number): boolean {
    return ino >= ROOT_INO && ino < this.#count;
  }

  attr(ino: number): Attr {
    const dir = this.#dirs.get(ino);
    if (dir) {
      const listed = this.#dirAttrs.get(ino);
      return {
        ino,
        mode: S_IFDIR | (listed?.mode ?? 0o755),
        nlink: 2 + dir.subdirs,
        size: 4096,
        mtimeMs: listed?.mtimeMs ?? this.dirMtimeMs,
        ...this.owner,
      };
    }
    const target = this.#targets.get(ino);
    if (target !== undefined) {
      return {
        ino,
        mode: S_IFLNK | 0o777,
        nlink: 1,
        size: nameBytes(target).length,
        mtimeMs: this.#mtime.values[ino],
        ...this.owner,
      };
    }
    return {
      ino,
      mode: S_IFREG | this.#mode.values[ino],
      nlink: 1,
      size: this.#size.values[ino],
      mtimeMs: this.#mtime.values[ino],
      ...this.owner,
    };
  }

  /** The directory's entries in the bundle's order. */
  listing(ino: number): DirListing {
    const dir = this.#dirs.get(ino)!;
    const attrOf = (child: number): DirEntry => ({
      name: this.#names[child],
      ino: child,
      mode: this.#dirs.has(child) ? S_IFDIR : this.#targets.has(child) ? S_IFLNK : S_IFREG,
    });
    return {
      parent: this.#parent.values[ino],
      length: dir.order.length,
      at: (i) => attrOf(dir.order[i]),
    };
  }

  /** What reading a file inode needs. */
  file(ino: number): BundleFile {
    const file = { name: this.#path(ino), key: this.#key(ino), size: this.#size.values[ino] };
    const pack = ino < this.#pack.values.length ? this.#pack.values[ino] : 0;
    if (pack === 0) return file;
    return {
      ...file,
      pack: { id: this.#packIds[pack - 1], offset: this.#packOffset.values[ino] },
    };
  }

  #path(ino: number): string {
    const parts: string[] = [];
    for (let at = ino; at !== ROOT_INO; at = this.#parent.values[at]) parts.push(this.#names[at]);
    return parts.reverse().join("/");
  }

  /** The inode of directory `path`, made (with its ancestors) when absent. */
  #directory(path: string): number {
    let ino = ROOT_INO;
    if (path === "") return ino;
    let walked = "";
    for (const part of path.split("/")) {
      walked = walked ? `${walked}/${part}` : part;
      const existing = this.#dirs.get(ino)!.byName.get(part);
      if (existing !== undefined && !this.#dirs.has(existing)) {
        throw new DatamonError(
          "integrity",
          `the bundle lists both a file and a directory named "${walked}": it cannot be mounted`,
        );
      }
      if (existing !== undefined) {
        ino = existing;
        continue;
      }
      const made = this.#newInode(ino, part, walked);
      this.#dirs.get(ino)!.subdirs++;
      this.#dirs.set(made, { byName: new Map(), order: [], subdirs: 0 });
      ino = made;
    }
    return ino;
  }

  #newInode(parent: number, name: string, path: string): number {
    const siblings = this.#dirs.get(parent)!;
    if (siblings.byName.has(name)) {
      throw new DatamonError(
        "integrity",
        `the bundle lists "${path}" twice or as both a file and a directory: it cannot be mounted`,
      );
    }
    const ino = this.#count++;
    this.#parent.set(ino, parent);
    this.#names[ino] = name;
    siblings.byName.set(name, ino);
    siblings.order.push(ino);
    return ino;
  }

  #setKey(ino: number, hex: string): void {
    // Keys are as wide as the bundle's hash makes them: 32 bytes, or 64 in a Go datamon bundle.
    if (this.#keyBytes === 0) this.#keyBytes = hex.length / 2;
    const width = this.#keyBytes;
    if (hex.length !== 2 * width) throw new RangeError(`key ${hex} is not ${width} bytes`);
    if (ino * width + width > this.#keys.length) {
      const grown = new Uint8Array(Math.max(this.#keys.length * 2, (ino + 1) * width));
      grown.set(this.#keys);
      this.#keys = grown;
    }
    // Digit by digit: parseInt of two-character slices took half the inode table's build time.
    for (let i = 0; i < width; i++) {
      this.#keys[ino * width + i] = (nibble(hex, 2 * i) << 4) | nibble(hex, 2 * i + 1);
    }
  }

  #key(ino: number): string {
    let hex = "";
    for (let i = 0; i < this.#keyBytes; i++) hex += HEX[this.#keys[ino * this.#keyBytes + i]];
    return hex;
  }
}

/** The value of the hex digit at `at` of `hex` (0-9, a-f, A-F). */
function nibble(hex: string, at: number): number {
  const code = hex.charCodeAt(at);
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  if (lower >= 97 && lower <= 102) return lower - 87;
  throw new RangeError(`key ${hex} is not hexadecimal`);
}
