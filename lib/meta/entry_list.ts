/**
 * The entries of a file list being filled, in name order: what BundleWriter and a diamond's
 * SplitWriter both collect before each list is written (FILE_LIST_SIZE entries a list), with
 * the totals their commit records.
 */
import { DatamonError } from "../errors.ts";
import { isFileEntry, type TreeEntry } from "../model/types.ts";
import { entryFormatVersion, FILES_ONLY_FORMAT_VERSION } from "../model/codec.ts";
import { FILE_LIST_SIZE } from "../model/keys.ts";

/**
 * Entries added in name order, a list at a time.
 *
 * @example
 * const list = new EntryList();
 * if (list.add(entry)) await write(list.take());
 */
export class EntryList {
  #entries: TreeEntry[] = [];
  /**
   * The last name added: sources come in name order (JavaScript string order, which every
   * reader of a file list relies on), so a duplicate follows its twin.
   */
  #lastName: string | undefined;
  /** Entries added in all, and the bytes of the files among them. */
  files = 0;
  size = 0;
  /** The oldest format that holds every entry added (see entryFormatVersion). */
  formatVersion = FILES_ONLY_FORMAT_VERSION;

  /**
   * Adds the next entry; true when the list is full and should be taken and written. Refuses
   * a name given twice (the user's files) and a name before the previous one (a source of
   * datamon's out of order: readers would refuse the bundle).
   */
  add(entry: TreeEntry): boolean {
    const last = this.#lastName;
    if (entry.name === last) {
      throw new DatamonError(
        "invalid-argument",
        `"${entry.name}" is named twice in the files to upload: give each file once`,
      );
    }
    if (last !== undefined && entry.name < last) {
      throw new DatamonError(
        "integrity",
        `"${entry.name}" came after "${last}", out of name order: datamon would write a ` +
          `damaged file list; nothing was committed, please report this`,
      );
    }
    this.#lastName = entry.name;
    this.#entries.push(entry);
    this.files++;
    if (isFileEntry(entry)) this.size += entry.size;
    this.formatVersion = Math.max(this.formatVersion, entryFormatVersion(entry));
    return this.#entries.length === FILE_LIST_SIZE;
  }

  /** True when entries wait to be written. */
  get pending(): boolean {
    return this.#entries.length > 0;
  }

  /** The entries of the current list, which starts anew. */
  take(): TreeEntry[] {
    const taken = this.#entries;
    this.#entries = [];
    return taken;
  }
}
