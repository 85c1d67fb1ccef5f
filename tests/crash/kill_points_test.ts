/** Which writes the crash harness kills before: all of a short command's, a spread of a long one's. */
import { assert, assertEquals } from "../support/assert.ts";
import { killPoints } from "../support/crash.ts";

Deno.test("a command of few writes is killed before every one of them", () => {
  assertEquals(killPoints(3), [1, 2, 3]);
  assertEquals(killPoints(24).length, 24);
});

Deno.test("a command of many writes is killed before its first ten, its last ten and a spread between", () => {
  const points = killPoints(1000);
  assertEquals(points.slice(0, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assertEquals(points.slice(-10), [991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
  assertEquals(points.length, 30);
  const middle = points.slice(10, -10);
  assert(middle[0] > 50 && middle[middle.length - 1] < 950, `not spread: ${middle}`);
});
