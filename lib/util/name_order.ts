/**
 * Re-sorting a stream from code-point order (a bucket listing: UTF-8 byte order) into name
 * order (JavaScript string order, UTF-16 code units: the order every file list keeps), item by
 * item as they come.
 *
 * The two orders differ only between two names whose first differing code unit is, on one
 * side, a character in U+E000..U+FFFF (private use, CJK compatibility, fullwidth forms) and, on
 * the other, a surrogate (a character above U+FFFF: emoji, CJK extension B). Code points put
 * the U+E000..U+FFFF name first, code units the surrogate one. So under a prefix P, the block
 * "P + a character in U+E000..U+FFFF ..." arrives just before the block "P + a surrogate ..."
 * that must come out ahead of it.
 *
 * What is held: an item whose name has a character in U+E000..U+FFFF, from that character on,
 * waits (with the items after it in name order) while the names arriving still start with the
 * prefix before that character, i.e. while its parent may still list names with characters
 * above U+FFFF; a source that can tell none will come (a bucket lists ahead, once per prefix)
 * lets it pass. Every other item passes straight through. A stream whose names have no
 * character in U+E000..U+FFFF holds nothing and asks nothing.
 */
import { BoundedMap } from "./bounded_map.ts";

/**
 * Tells whether names starting with `prefix` + a character above U+FFFF may come later in the
 * stream: only then must a name with a U+E000..U+FFFF character after `prefix` wait for them.
 */
export type AboveBmpUnder = (prefix: string) => Promise<boolean>;

/**
 * `source`, whose items come in code-point order of their names, in name order (JavaScript
 * string order) instead. `aboveBmpUnder`, when the source can tell (a bucket, by listing
 * ahead), lets an item that nothing can overtake pass instead of waiting: without it, a million
 * names under a fullwidth directory would wait for the listing's end.
 *
 * @example
 * for await (const file of inNameOrder(bucketFiles)) await writer.add(file);
 */
export async function* inNameOrder<T extends { name: string }>(
  source: AsyncIterable<T>,
  aboveBmpUnder: AboveBmpUnder = () => Promise.resolve(true),
): AsyncGenerator<T> {
  const pending: Held<T>[] = [];
  const answers = new BoundedMap<string, Promise<boolean>>(ANSWERS_KEPT);
  const asked = (prefix: string) => {
    let answer = answers.use(prefix);
    if (answer === undefined) answers.set(prefix, answer = aboveBmpUnder(prefix));
    return answer;
  };
  for await (const item of source) {
    const hold = holdPrefix(item.name) === undefined
      ? undefined
      : await neededHold(item.name, asked);
    if (hold === undefined && pending.length === 0) {
      yield item;
      continue;
    }
    insertInNameOrder(pending, { item, hold });
    let released = 0;
    while (released < pending.length && releasable(pending[released], item.name)) released++;
    for (const held of pending.splice(0, released)) yield held.item;
  }
  for (const held of pending) yield held.item;
}

/** Prefixes whose answer is kept: the names of one directory share theirs. */
const ANSWERS_KEPT = 256;

/**
 * The shortest prefix of `name` ending before one of its U+E000..U+FFFF characters under which
 * names above U+FFFF may still come (those would sort before it): it waits while the stream is
 * under that prefix. Undefined when there is none.
 */
async function neededHold(
  name: string,
  aboveBmpUnder: AboveBmpUnder,
): Promise<string | undefined> {
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) >= 0xe000 && await aboveBmpUnder(name.slice(0, i))) {
      return name.slice(0, i);
    }
  }
  return undefined;
}

/** An item waiting for the names that may still sort before it. */
interface Held<T extends { name: string }> {
  item: T;
  /** The prefix it waits under (neededHold); undefined when nothing can overtake it. */
  hold: string | undefined;
}

/**
 * The prefix of `name` before its first code unit in U+E000..U+FFFF: later names (in
 * code-point order) starting with it may sort before `name` in code-unit order. Undefined when
 * it has none: then no name after it in code-point order sorts before it in name order.
 *
 * @example
 * holdPrefix("d/\uff21.txt"); // "d/": "d/\u{1f600}" comes later by code point, earlier by name
 */
export function holdPrefix(name: string): string | undefined {
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) >= 0xe000) return name.slice(0, i);
  }
  return undefined;
}

/**
 * True when no name after `latest` (in code-point order) can sort before `held` in code-unit
 * order. The names starting with a prefix are contiguous in code-point order, so once the
 * latest name has left the held prefix, all later ones have too.
 */
function releasable<T extends { name: string }>(held: Held<T>, latest: string): boolean {
  return held.hold === undefined || !latest.startsWith(held.hold);
}

/** Inserts `held` into `pending`, kept in name order (usually at its end). */
function insertInNameOrder<T extends { name: string }>(pending: Held<T>[], held: Held<T>): void {
  const name = held.item.name;
  let low = 0;
  let high = pending.length;
  if (high > 0 && pending[high - 1].item.name < name) low = high;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (pending[middle].item.name < name) low = middle + 1;
    else high = middle;
  }
  pending.splice(low, 0, held);
}
