/** The inode table's names: numbered, end to end in one arena, one byte a unit while Latin-1. */
import { assert, assertEquals } from "../support/assert.ts";
import { NameArena, nameHash } from "../../lib/mount/name_arena.ts";

Deno.test("names read back by number, and equal only themselves", () => {
  const arena = new NameArena(0, 0);
  const names = ["", "a", "ab", "f000", "café", "x".repeat(10_000)];
  const numbers = names.map((name) => arena.add(name));
  assertEquals(numbers, [0, 1, 2, 3, 4, 5]);
  assertEquals(arena.count, names.length);
  names.forEach((name, n) => assertEquals(arena.text(n), name));
  assert(arena.equals(2, "ab"));
  assert(!arena.equals(2, "a"), "a prefix is another name");
  assert(!arena.equals(2, "abc"), "a longer name is another name");
  assert(!arena.equals(2, "ac"));
  assert(arena.equals(0, ""));
});

Deno.test("a name past Latin-1 widens the arena; the names before it read back unchanged", () => {
  const arena = new NameArena(4, 8);
  const before = Array.from({ length: 3_000 }, (_, i) => `f${i}ÿ`);
  for (const name of before) arena.add(name);
  const wide = ["日本語.txt", "\u{1f600}", "\udc80raw"];
  for (const name of wide) arena.add(name);
  arena.add("after");
  before.forEach((name, n) => assertEquals(arena.text(n), name));
  wide.forEach((name, i) => assertEquals(arena.text(before.length + i), name));
  assert(arena.equals(before.length, "日本語.txt"));
  assert(!arena.equals(before.length, "日本語.txu"));
  assertEquals(arena.text(before.length + wide.length), "after");
});

Deno.test("a stored name hashes as the same string does, with each seed", () => {
  const arena = new NameArena(0, 0);
  for (const name of ["", "f000", "é", "日本"]) {
    const n = arena.add(name);
    for (const seed of [0, 1, 77_777]) assertEquals(arena.hash(seed, n), nameHash(seed, name));
  }
  assert(nameHash(1, "a") !== nameHash(2, "a"), "the seed (a parent inode) counts");
});
