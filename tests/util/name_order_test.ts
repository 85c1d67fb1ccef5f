/** inNameOrder: a stream in code-point order (a bucket listing) re-sorted into name order. */
import { assert, assertEquals } from "../support/assert.ts";
import { inNameOrder } from "../../lib/util/name_order.ts";
import { compareKeys } from "../../lib/store/keys.ts";

/** The characters names are drawn from: both sides of every place the two orders differ. */
const ALPHABET = ["a", "b", "/", "\ue000", "\uff21", "\ufffd", "\u{1f600}", "\u{20000}"];

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Up to `count` distinct names of 1 to 5 characters of ALPHABET. */
function randomNames(next: () => number, count: number): string[] {
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * 5);
    let name = "";
    for (let j = 0; j < length; j++) name += ALPHABET[Math.floor(next() * ALPHABET.length)];
    names.add(name);
  }
  return [...names];
}

/** `names` as the items of an async stream, in the order given. */
async function* stream(names: string[], pulled: string[] = []) {
  for (const name of names) {
    pulled.push(`pull ${name}`);
    yield { name };
  }
}

/** The names `inNameOrder` yields for `names`. */
async function reordered(names: string[]): Promise<string[]> {
  return (await Array.fromAsync(inNameOrder(stream(names)))).map((item) => item.name);
}

Deno.test("names in code-point order come out in JavaScript string order, whatever the names", async () => {
  let differing = 0;
  for (let seed = 1; seed <= 500; seed++) {
    const names = randomNames(random(seed), 40);
    const byCodePoint = [...names].sort(compareKeys);
    const byCodeUnit = [...names].sort();
    if (byCodePoint.join("\0") !== byCodeUnit.join("\0")) differing++;
    assertEquals(await reordered(byCodePoint), byCodeUnit, `seed ${seed}`);
  }
  assert(differing > 100, `only ${differing} samples had the two orders differ`);
});

Deno.test("a bucket's fullwidth and emoji names come out emoji first, as file lists keep them", async () => {
  const listed = ["d/x.txt", "d/\uff21.txt", "d/\u{1f600}.txt", "\uff21/a", "\u{1f600}/b"];
  assertEquals(await reordered(listed), [
    "d/x.txt",
    "d/\u{1f600}.txt",
    "d/\uff21.txt",
    "\u{1f600}/b",
    "\uff21/a",
  ]);
});

Deno.test("a stream with no character in U+E000..U+FFFF holds nothing: each item comes out before the next is pulled", async () => {
  const names = ["a", "a/\u{1f600}", "a/b", "b\u00e9", "\u{1f600}", "\u{20000}/x"];
  const events: string[] = [];
  for await (const item of inNameOrder(stream(names, events))) events.push(`yield ${item.name}`);
  assertEquals(events, names.flatMap((name) => [`pull ${name}`, `yield ${name}`]));
});

Deno.test("a name held for its fullwidth character comes out once the listing leaves its directory", async () => {
  const names = ["d/\uff21", "d/\u{1f600}", "e", "f"];
  const events: string[] = [];
  for await (const item of inNameOrder(stream(names, events))) events.push(`yield ${item.name}`);
  assertEquals(events, [
    "pull d/\uff21",
    "pull d/\u{1f600}",
    "yield d/\u{1f600}",
    "pull e",
    "yield d/\uff21",
    "yield e",
    "pull f",
    "yield f",
  ]);
});

/** What a source that lists ahead answers: whether `names` has one of `prefix` + a surrogate. */
function truthfulAboveBmp(names: string[], asked: string[] = []) {
  return (prefix: string) => {
    asked.push(prefix);
    return Promise.resolve(names.some((name) => {
      const unit = name.charCodeAt(prefix.length);
      return name.startsWith(prefix) && unit >= 0xd800 && unit < 0xe000;
    }));
  };
}

Deno.test("told which prefixes may still list names above U+FFFF, names come out in JavaScript string order, whatever the names", async () => {
  for (let seed = 1; seed <= 500; seed++) {
    const byCodePoint = randomNames(random(seed), 40).sort(compareKeys);
    const out = inNameOrder(stream(byCodePoint), truthfulAboveBmp(byCodePoint));
    const names = (await Array.fromAsync(out)).map((item) => item.name);
    assertEquals(names, [...byCodePoint].sort(), `seed ${seed}`);
  }
});

Deno.test("names under a fullwidth directory pass at once when no name above U+FFFF can follow them, asking once per prefix", async () => {
  const names = ["d/x", "\uff21/a", "\uff21/b", "\uff21/c/\uff21", "\uff21/c/d"];
  const events: string[] = [];
  const asked: string[] = [];
  const source = stream(names, events);
  for await (const item of inNameOrder(source, truthfulAboveBmp(names, asked))) {
    events.push(`yield ${item.name}`);
  }
  assertEquals(events, names.flatMap((name) => [`pull ${name}`, `yield ${name}`]));
  assertEquals(asked, ["", "\uff21/c/"]);
});
