/** Turns: a bounded number of async calls at once. */
import { assert } from "../support/assert.ts";
import { Turns } from "../../lib/util/turns.ts";

Deno.test("Turns runs at most its number of calls at once, and every call once, in order", async () => {
  const turns = new Turns(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const results = await Promise.all(Array.from({ length: 7 }, (_, i) =>
    turns.run(async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return i * 10;
    })));
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(results, [0, 10, 20, 30, 40, 50, 60]);
});

Deno.test("a failed call gives its turn back", async () => {
  const turns = new Turns(1);
  await assert.rejects(() => turns.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await turns.run(() => Promise.resolve("next")), "next");
});
