/**
 * The inode table of a bundle's read-only view, filled from its file list as it streams in and
 * served meanwhile: files and symlinks get inodes in name order, the directories on their paths
 * are synthesized (an empty directory's entry gives its own mode and time). Everything lives in
 * typed arrays: names in one arena of code units (name_arena.ts) found through an open-addressing
 * index, children as linked inode numbers, keys as raw bytes, sizes and pack offsets in 4 bytes
 * (WideColumn); no object or string per entry.
 * What only directories have (children, completion) is kept by directory number, found by a
 * binary search of the directories' inode numbers (ascending, as inodes are made in order), so
 * a file costs ~80 bytes: a million packed files take about 80 MB. Room for the bundle's file
 * count is made at once: the pages stay untouched (and cost nothing) until they are filled, and
 * no column is copied unless the bundle holds more than planned.
 *
 * A lookup of a name the stream has not reached asks a ListProbe (list_probe.ts), when the
 * table has one: a binary search over the lists not yet streamed finds the entry, or the first
 * entry under the directory `name/`, in ~10 list reads; a name absent from where it would sit is
 * unknown at once (the order proves it). Without a probe, a lookup waits until the stream
 * reaches the name or passes its directory. An entry found by a probe gets its inode at once,
 * in the name index but not yet in its directory's children: the stream, reaching it, links it
 * there in bundle order (so it has one inode whichever way it came, and is listed once), and
 * only the stream completes directories. A listing therefore still waits until its directory
 * is complete. While a probe runs the stream holds its next list (until a probe ends): on the
 * one thread its work would delay the lookup that waits. The stream checks that every name
 * comes after the one before: the order the probe and the completion rule rely on.
 */
import { DatamonError } from "../errors.ts";
import {
  type DirectoryEntry,
  type FileEntry,
  isFileEntry,
  type PackLocation,
  type SymlinkEntry,
  type TreeEntry,
} from "../model/types.ts";
import { type Attr, S_IFDIR, S_IFLNK, S_IFREG } from "./fuse_ffi.ts";
import type { DirEntry, DirListing } from "./session.ts";
import { nameBytes } from "../util/byte_names.ts";
import type { ListProbe } from "./list_probe.ts";
import { NameArena, nameHash } from "./name_arena.ts";

/** The inode of the mount's root directory, as FUSE fixes it. */
export const ROOT_INO = 1;

/** Key bytes the table first makes room for: a BLAKE3 key. */
const KEY_BYTES = 32;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** What an inode is, in #kind. */
const DIR = 1;
const FILE = 2;
const LINK = 3;
/** Code units a name is planned to take, on average, when room is made at once. */
const PLANNED_NAME_UNITS = 16;

type Numbers = Float64Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * A typed array made at its planned length on first use (a column no entry needs, e.g. packs of
 * a bundle without them, takes nothing), grown by half past the plan.
 */
class Column<A extends Numbers> {
  values: A;
  constructor(private readonly make: (n: number) => A, private readonly planned: number) {
    this.values = make(0);
  }
  set(index: number, value: number): void {
    if (index >= this.values.length) this.#grow(index + 1);
    this.values[index] = value;
  }
  #grow(length: number): void {
    const grown = this.make(
      Math.max(length, this.planned, Math.ceil(this.values.length * 1.5)),
    );
    grown.set(this.values);
    this.values = grown;
  }
  /** The value at `index`, 0 where never set (or below 0). */
  at(index: number): number {
    return this.values[index] ?? 0;
  }
}

/** What a WideColumn holds in its map instead of its array. */
const WIDE = 0xffffffff;

/**
 * Integers 0 to 2^53 in 4 bytes each: a value of 2^32 - 1 or more (a file, or an offset in a
 * pack, of 4 GiB or more: rare) is kept in a map, its array slot saying so.
 */
class WideColumn {
  readonly #narrow: Column<Uint32Array>;
  readonly #wide = new Map<number, number>();
  constructor(planned: number) {
    this.#narrow = new Column((n) => new Uint32Array(n), planned);
  }
  set(index: number, value: number): void {
    this.#narrow.set(index, Math.min(value, WIDE));
    if (value >= WIDE) this.#wide.set(index, value);
  }
  /** The value at `index`, 0 where never set. */
  at(index: number): number {
    const value = this.#narrow.at(index);
    return value === WIDE ? this.#wide.get(index)! : value;
  }
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
  /** Inode 0 is unused (and means "none" in the link columns); inode 1 is the root. */
  #count = ROOT_INO + 1;
  readonly #kind: Column<Uint8Array>;
  readonly #parent: Column<Uint32Array>;
  /** Inode n's name is name n of the arena (inodes 0 and 1 have empty ones). */
  readonly #names: NameArena;
  /** Open addressing: inode numbers by hash of (parent, name), 0 for an empty slot. */
  #slots = new Uint32Array(1 << 12);
  readonly #size: WideColumn;
  readonly #mode: Column<Uint16Array>;
  readonly #mtime: Column<Float64Array>;
  #keys: Uint8Array;
  /** Bytes of each key, set by the first file's key. */
  #keyBytes = 0;
  /** Pack of a packed file: 1 + its index in #packIds, or 0 for a file of its own leaves. */
  readonly #pack: Column<Uint32Array>;
  readonly #packOffset: WideColumn;
  /** The few pack ids of the bundle, each stored once. */
  readonly #packIds: string[] = [];
  readonly #packIndex = new Map<string, number>();
  /** Each inode's next sibling in its directory, in bundle order. */
  readonly #nextSibling: Column<Uint32Array>;
  /** 1 for an inode a probe made, not yet linked into its directory by the stream. */
  readonly #probed: Column<Uint8Array>;
  /** Inode numbers of the directories, ascending: a directory's number is its index here. */
  readonly #dirInos: Column<Uint32Array>;
  #dirs = 0;
  /** The directory #dirNumber found last: the stream adds a directory's entries in a run. */
  #lastDirFound = { ino: ROOT_INO, number: 0 };
  /** By directory number: its children (first, last, count), subdirectories, and completion. */
  readonly #firstChild: Column<Uint32Array>;
  readonly #lastChild: Column<Uint32Array>;
  readonly #children: Column<Uint32Array>;
  readonly #subdirs: Column<Uint32Array>;
  /** 1 for a directory the list has moved past: no entry of it is still to come. */
  readonly #complete: Column<Uint8Array>;
  /** Targets of the symlink inodes (few). */
  readonly #targets = new Map<number, string>();
  /** Mode and time of directories the bundle lists (empty ones), by inode. */
  readonly #dirAttrs = new Map<number, { mode: number; mtimeMs: number }>();
  /** The directory the previous entry was in, so name-ordered entries rarely walk a path. */
  #lastDir = { path: "", ino: ROOT_INO };
  #files = 0;
  #bytes = 0;
  /** Probes under way, and what settles as one of them ends: the stream gives way to them. */
  #probing = 0;
  #probeEnded = Promise.withResolvers<void>();
  /** Lists the stream has added in full, and the last name it added. */
  #listsIn = 0;
  #lastName: string | undefined;
  /** Set once the whole list is in, or it failed (then #failure says why). */
  #ended = false;
  #failure: unknown;
  /** Settles when more of the list is in (or it ended): what waiting requests wait for. */
  #progress = Promise.withResolvers<void>();

  /**
   * @param dirMtimeMs time shown for synthesized directories (the bundle's)
   * @param owner uid and gid every inode is shown as owned by
   * @param expectedFiles entries the list is known to hold (the bundle's file count): room is
   *   made for them at once, sparing the copies (and their peak memory) of growing
   * @param probe finds names in the lists `fill` is given, by index, before the stream gets there
   */
  constructor(
    private readonly dirMtimeMs: number,
    private readonly owner: { uid: number; gid: number },
    expectedFiles = 0,
    private readonly probe?: ListProbe,
  ) {
    // Directories are not counted in advance: a little room for them, more only if needed.
    const dirs = Math.max(64, expectedFiles >> 8);
    const inodes = Math.max(1024, expectedFiles + ROOT_INO + 1 + dirs);
    this.#kind = new Column((n) => new Uint8Array(n), inodes);
    this.#parent = new Column((n) => new Uint32Array(n), inodes);
    this.#names = new NameArena(inodes, inodes * PLANNED_NAME_UNITS);
    this.#size = new WideColumn(inodes);
    this.#mode = new Column((n) => new Uint16Array(n), inodes);
    this.#mtime = new Column((n) => new Float64Array(n), inodes);
    this.#keys = new Uint8Array(inodes * KEY_BYTES);
    this.#pack = new Column((n) => new Uint32Array(n), inodes);
    this.#packOffset = new WideColumn(inodes);
    this.#nextSibling = new Column((n) => new Uint32Array(n), inodes);
    this.#probed = new Column((n) => new Uint8Array(n), inodes);
    this.#dirInos = new Column((n) => new Uint32Array(n), dirs);
    this.#firstChild = new Column((n) => new Uint32Array(n), dirs);
    this.#lastChild = new Column((n) => new Uint32Array(n), dirs);
    this.#children = new Column((n) => new Uint32Array(n), dirs);
    this.#subdirs = new Column((n) => new Uint32Array(n), dirs);
    this.#complete = new Column((n) => new Uint8Array(n), dirs);
    while (this.#slots.length < 2 * inodes) this.#slots = new Uint32Array(this.#slots.length * 2);
    // Inodes 0 (none) and 1 (the root) are named "" so that inode n's name is name n.
    this.#names.add("");
    this.#names.add("");
    this.#kind.set(ROOT_INO, DIR);
    this.#parent.set(ROOT_INO, ROOT_INO);
    this.#dirInos.set(this.#dirs++, ROOT_INO);
  }
  /**
   * Adds the lists' entries as they come; lookups and listings waiting on them are answered
   * as they arrive; stops early once `signal` is aborted. Never rejects: a list that fails (or an entry the table refuses) ends the
   * table with that failure, which every request that still needed the list is then given.
   */
  async fill(lists: AsyncIterable<readonly TreeEntry[]>, signal?: AbortSignal): Promise<void> {
    try {
      for await (const list of lists) {
        // A lookup is waiting on the probe: the stream's work on the one thread would delay it,
        // so a list waits for a probe to end (one, so that probes in a row never stall it).
        if (this.#probing > 0) await this.#probeEnded.promise;
        // An unmount stops the reading: the rest of the list would only keep the process up.
        if (signal?.aborted) break;
        for (const entry of list) {
          this.#checkOrder(entry.name);
          this.add(entry);
        }
        this.#listsIn++;
        this.#advance();
      }
    } catch (e) {
      this.#failure = e;
    }
    this.#end();
  }

  /** Refuses a name not after the one before it: lookups and completion rely on the order. */
  #checkOrder(name: string): void {
    if (this.#lastName !== undefined && !(this.#lastName < name)) {
      throw new DatamonError(
        "integrity",
        `the bundle lists "${name}" after "${this.#lastName}", out of name order: ` +
          `its file lists are damaged`,
      );
    }
    this.#lastName = name;
  }

  /** Marks the list as ended: every directory is complete (or, after a failure, failed). */
  #end(): void {
    this.#ended = true;
    this.#advance();
  }

  /** Why the list could not be read in full, once it failed. */
  get failure(): unknown {
    return this.#failure;
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
      this.#setDirAttrs(ino, entry);
      this.#enter(entry.name.slice(0, -1), ino);
      return;
    }
    const slash = entry.name.lastIndexOf("/");
    const dirLength = Math.max(slash, 0);
    // Most often the directory of the entry before: compared in place, no string made for it
    // (a million entries' garbage is what grows the runtime's heap).
    let parent = this.#lastDir.ino;
    if (dirLength !== this.#lastDir.path.length || !entry.name.startsWith(this.#lastDir.path)) {
      const dirPath = entry.name.slice(0, dirLength);
      parent = this.#directory(dirPath);
      this.#enter(dirPath, parent);
    }
    const kind = isFileEntry(entry) ? FILE : LINK;
    const ino = this.#newInode(parent, entry.name.slice(slash + 1), entry.name, kind);
    this.#setEntry(ino, entry);
    if (!isFileEntry(entry)) return;
    this.#files++;
    this.#bytes += entry.size;
  }

  #setDirAttrs(ino: number, entry: DirectoryEntry): void {
    this.#dirAttrs.set(ino, { mode: entry.mode & 0o7777, mtimeMs: entry.mtime.getTime() });
  }

  /** Sets what a file or symlink inode shows and reads from. */
  #setEntry(ino: number, entry: FileEntry | SymlinkEntry): void {
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
  }

  /** The child `name` of directory `parent` among the entries in so far, if any. */
  lookup(parent: number, name: string): number | undefined {
    return this.#find(parent, name) || undefined;
  }

  /**
   * The child `name` of directory `parent`, waiting while the list may still bring it;
   * undefined once the directory is complete without it. Rejects with the list's failure.
   */
  async lookupWhenKnown(parent: number, name: string): Promise<number | undefined> {
    for (;;) {
      const ino = this.#find(parent, name);
      if (ino !== 0) return ino;
      if (this.#isComplete(parent)) return undefined;
      if (this.probe) return await this.#givingWay(this.#lookupByProbe(this.probe, parent, name));
      await this.#nextProgress();
    }
  }

  /** `probe`'s result, the stream holding its next list until it (or another probe) ends. */
  async #givingWay<T>(probe: Promise<T>): Promise<T> {
    this.#probing++;
    try {
      return await probe;
    } finally {
      this.#probing--;
      this.#probeEnded.resolve();
      this.#probeEnded = Promise.withResolvers<void>();
    }
  }

  /**
   * The child `name` of `parent` as the probe finds it in the lists the stream has not added
   * (those it has are all in the table): the entry named so, else a directory when the first
   * entry after `name/` is under it; undefined when neither, as the order proves.
   */
  async #lookupByProbe(
    probe: ListProbe,
    parent: number,
    name: string,
  ): Promise<number | undefined> {
    const from = this.#listsIn;
    const dir = this.#path(parent);
    const path = dir === "" ? name : `${dir}/${name}`;
    const under = `${path}/`;
    const next = await probe.firstFrom(path, from);
    // Names like "a-b" sort between "a" and "a/...": then the search goes on from "a/".
    const found = next === undefined || next.name === path || next.name >= under
      ? next
      : await probe.firstFrom(under, from);
    // The stream may have brought the name while the probe read.
    const known = this.#find(parent, name);
    if (known !== 0) return known;
    if (found?.name === path && (isFileEntry(found) || found.kind === "symlink")) {
      const ino = this.#newInode(parent, name, path, isFileEntry(found) ? FILE : LINK, false);
      this.#setEntry(ino, found);
      return ino;
    }
    if (!found?.name.startsWith(under)) return undefined;
    const ino = this.#newInode(parent, name, path, DIR, false);
    if (found.name === under && !isFileEntry(found) && found.kind === "dir") {
      this.#setDirAttrs(ino, found);
    }
    return ino;
  }

  /** The directory's entries once it is complete; rejects with the list's failure. */
  async listingWhenComplete(ino: number): Promise<DirListing> {
    while (!this.#isComplete(ino)) await this.#nextProgress();
    return this.listing(ino);
  }

  isDirectory(ino: number): boolean {
    return this.#kind.at(ino) === DIR;
  }

  /** True when `ino` is a regular file's inode. */
  isFile(ino: number): boolean {
    return this.#kind.at(ino) === FILE;
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
    const kind = this.#kind.at(ino);
    if (kind === DIR) {
      const listed = this.#dirAttrs.get(ino);
      return {
        ino,
        mode: S_IFDIR | (listed?.mode ?? 0o755),
        nlink: 2 + this.#subdirs.at(this.#dirNumber(ino)),
        size: 4096,
        mtimeMs: listed?.mtimeMs ?? this.dirMtimeMs,
        ...this.owner,
      };
    }
    if (kind === LINK) {
      return {
        ino,
        mode: S_IFLNK | 0o777,
        nlink: 1,
        size: nameBytes(this.#targets.get(ino)!).length,
        mtimeMs: this.#mtime.at(ino),
        ...this.owner,
      };
    }
    return {
      ino,
      mode: S_IFREG | this.#mode.at(ino),
      nlink: 1,
      size: this.#size.at(ino),
      mtimeMs: this.#mtime.at(ino),
      ...this.owner,
    };
  }

  /** The directory's entries in so far, in the bundle's order. */
  listing(ino: number): DirListing {
    const dir = this.#dirNumber(ino);
    const children = new Uint32Array(dir < 0 ? 0 : this.#children.at(dir));
    let child = dir < 0 ? 0 : this.#firstChild.at(dir);
    for (let i = 0; i < children.length; i++, child = this.#nextSibling.at(child)) {
      children[i] = child;
    }
    const modes = [0, S_IFDIR, S_IFREG, S_IFLNK];
    const entryAt = (i: number): DirEntry => ({
      name: this.#name(children[i]),
      ino: children[i],
      mode: modes[this.#kind.at(children[i])],
    });
    return { parent: this.#parent.at(ino), length: children.length, at: entryAt };
  }

  /** What reading a file inode needs. */
  file(ino: number): BundleFile {
    const file = { name: this.#path(ino), key: this.#key(ino), size: this.#size.at(ino) };
    const pack = this.#pack.at(ino);
    if (pack === 0) return file;
    return { ...file, pack: { id: this.#packIds[pack - 1], offset: this.#packOffset.at(ino) } };
  }

  #isComplete(ino: number): boolean {
    const complete = this.#complete.at(this.#dirNumber(ino)) === 1;
    if (this.#ended && this.#failure !== undefined && !complete) throw this.#failure;
    return this.#ended || complete;
  }

  /** The number of directory `ino` (its index in #dirInos), or -1 when `ino` is none. */
  #dirNumber(ino: number): number {
    if (this.#lastDirFound.ino === ino) return this.#lastDirFound.number;
    const dirInos = this.#dirInos.values;
    let low = 0;
    let high = this.#dirs - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = dirInos[middle];
      if (at === ino) {
        this.#lastDirFound = { ino, number: middle };
        return middle;
      }
      if (at < ino) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  #nextProgress(): Promise<void> {
    return this.#progress.promise;
  }

  /** Wakes the requests waiting for more of the list. */
  #advance(): void {
    this.#progress.resolve();
    this.#progress = Promise.withResolvers<void>();
  }

  /**
   * Notes that the list is now in directory `ino` (at `path`): the directories the previous
   * entry was in that do not hold this one are complete, as the list is in name order (a
   * directory's entries are one run of it).
   */
  #enter(path: string, ino: number): void {
    const last = this.#lastDir.ino;
    if (last === ino) return;
    this.#lastDir = { path, ino };
    const holding = new Set<number>();
    for (let at = ino; at !== ROOT_INO; at = this.#parent.at(at)) holding.add(at);
    for (let at = last; at !== ROOT_INO && !holding.has(at); at = this.#parent.at(at)) {
      this.#complete.set(this.#dirNumber(at), 1);
    }
  }

  #path(ino: number): string {
    const parts: string[] = [];
    for (let at = ino; at !== ROOT_INO; at = this.#parent.at(at)) parts.push(this.#name(at));
    return parts.reverse().join("/");
  }

  #name(ino: number): string {
    return this.#names.text(ino);
  }

  /** The inode of directory `path`, made (with its ancestors) when absent. */
  #directory(path: string): number {
    let ino = ROOT_INO;
    if (path === "") return ino;
    let walked = "";
    for (const part of path.split("/")) {
      walked = walked ? `${walked}/${part}` : part;
      const existing = this.#find(ino, part);
      if (existing !== 0 && this.#kind.at(existing) !== DIR) {
        throw new DatamonError(
          "integrity",
          `the bundle lists both a file and a directory named "${walked}": it cannot be mounted`,
        );
      }
      if (existing !== 0) {
        if (this.#probed.at(existing) === 1) this.#link(existing);
        ino = existing;
        continue;
      }
      ino = this.#newInode(ino, part, walked, DIR);
    }
    return ino;
  }

  /**
   * A new inode of `kind` for the child `name` of `parent`, linked into its children unless a
   * probe made it; or the one a probe made, which the stream now links.
   */
  #newInode(parent: number, name: string, path: string, kind: number, linked = true): number {
    if (2 * (this.#count + 1) > this.#slots.length) this.#rehash();
    const slot = this.#probe(parent, name);
    const existing = this.#slots[slot];
    if (
      existing !== 0 && linked && this.#probed.at(existing) === 1 &&
      this.#kind.at(existing) === kind
    ) {
      this.#link(existing);
      return existing;
    }
    if (existing !== 0) {
      throw new DatamonError(
        "integrity",
        `the bundle lists "${path}" twice or as both a file and a directory: it cannot be mounted`,
      );
    }
    const ino = this.#count++;
    this.#slots[slot] = ino;
    this.#kind.set(ino, kind);
    this.#parent.set(ino, parent);
    this.#names.add(name);
    if (kind === DIR) this.#dirInos.set(this.#dirs++, ino);
    if (linked) this.#link(ino);
    else this.#probed.set(ino, 1);
    return ino;
  }

  /** Appends `ino` to its directory's children: the stream meets entries in bundle order. */
  #link(ino: number): void {
    if (this.#probed.at(ino) === 1) this.#probed.values[ino] = 0;
    const dir = this.#dirNumber(this.#parent.at(ino));
    const last = this.#lastChild.at(dir);
    if (last === 0) this.#firstChild.set(dir, ino);
    else this.#nextSibling.set(last, ino);
    this.#lastChild.set(dir, ino);
    this.#children.set(dir, this.#children.at(dir) + 1);
    if (this.#kind.at(ino) === DIR) this.#subdirs.set(dir, this.#subdirs.at(dir) + 1);
  }

  /** The child `name` of `parent`, or 0. */
  #find(parent: number, name: string): number {
    return this.#slots[this.#probe(parent, name)];
  }

  /** The index slot holding the child `name` of `parent`, or the empty slot it would take. */
  #probe(parent: number, name: string): number {
    const mask = this.#slots.length - 1;
    for (let slot = nameHash(parent, name) & mask;; slot = (slot + 1) & mask) {
      const ino = this.#slots[slot];
      if (ino === 0 || (this.#parent.values[ino] === parent && this.#names.equals(ino, name))) {
        return slot;
      }
    }
  }

  #freeSlot(hash: number): number {
    const mask = this.#slots.length - 1;
    let slot = hash & mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  /** Doubles the index, placing every inode again. */
  #rehash(): void {
    this.#slots = new Uint32Array(this.#slots.length * 2);
    for (let ino = ROOT_INO + 1; ino < this.#count; ino++) {
      this.#slots[this.#freeSlot(this.#names.hash(this.#parent.values[ino], ino))] = ino;
    }
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

/** Each hex digit's value by character code, -1 for the other codes below 128. */
const HEX_VALUE = Int8Array.from(
  { length: 128 },
  (_, code) => "0123456789abcdef".indexOf(String.fromCharCode(code).toLowerCase()),
);

/** The value of the hex digit at `at` of `hex` (0-9, a-f, A-F), by table: a million keys. */
function nibble(hex: string, at: number): number {
  const code = hex.charCodeAt(at);
  const value = code < 128 ? HEX_VALUE[code] : -1;
  if (value < 0) throw new RangeError(`key ${hex} is not hexadecimal`);
  return value;
}
