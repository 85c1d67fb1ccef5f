/**
 * File-list entries for the codec's tests and benchmark: names that stress quoting, and sizes,
 * modes, times and keys that vary from entry to entry.
 */
import type { FileEntry } from "../../lib/model/types.ts";

/** A valid blob key: 64 lowercase hex digits. */
export const HASH = "0123456789abcdef".repeat(4);

/** Names that stress quoting: YAML indicators, escapes, controls, line separators, unicode. */
const ODD_NAMES = [
  "plain.txt",
  'quote"d/and\\back',
  "- dash: colon #hash",
  "{braces}/[brackets]/'single'",
  "tab\tnew\nline\rreturn",
  "bell\u0007del\u007fnel\u0085c1\u009f",
  "line\u2028para\u2029sep",
  "bom\ufeffnon\ufffechar",
  "ünïcödé/файл/文件/😀.bin",
  "yes",
  "null",
  "123",
  "~",
];

/** `count` entries: the odd names first, then plain names in a few directories. */
export function entriesOf(count: number): FileEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    name: i < ODD_NAMES.length ? ODD_NAMES[i] : `dir${i % 7}/sub dir/file-${i}.dat`,
    size: i * 1001,
    mode: i % 2 === 0 ? 0o644 : 0o755,
    mtime: new Date(1_700_000_000_000 + i * 17),
    key: HASH.slice(i % 16) + HASH.slice(0, i % 16),
  }));
}
