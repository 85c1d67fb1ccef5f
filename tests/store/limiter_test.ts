import { assert } from "../support/assert.ts";
import { RequestLimiter } from "../../lib/store/limiter.ts";

/** A request that stays in flight until `release` is called. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => release = resolve);
  return { run: () => done, release };
}

Deno.test("request limiter keeps at most its limit in flight and admits the rest in order", async () => {
  const limiter = new RequestLimiter(2);
  const started: number[] = [];
  const requests = [0, 1, 2, 3].map(() => held());
  const runs = requests.map((r, i) =>
    limiter.run(() => {
      started.push(i);
      return r.run();
    })
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  requests[1].release();
  await runs[1];
  await Promise.resolve();
  assert.deepEqual(started, [0, 1, 2]);
  requests[0].release();
  requests[2].release();
  requests[3].release();
  await Promise.all(runs);
  assert.deepEqual(started, [0, 1, 2, 3]);
});

Deno.test("request limiter counts costs: bytes in flight stay under the budget, a bigger one runs alone", async () => {
  const limiter = new RequestLimiter(10);
  let inFlight = 0;
  let most = 0;
  const costs = [4, 4, 4, 25, 3, 3];
  await Promise.all(costs.map((cost) =>
    limiter.run(async () => {
      inFlight += cost;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (cost > 10) assert.equal(inFlight, cost, "an oversized request runs alone");
      inFlight -= cost;
    }, cost)
  ));
  assert.equal(most, 25);
  const small = new RequestLimiter(10);
  let smallMost = 0;
  let smallInFlight = 0;
  await Promise.all([4, 4, 4, 3, 3].map((cost) =>
    small.run(async () => {
      smallInFlight += cost;
      smallMost = Math.max(smallMost, smallInFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      smallInFlight -= cost;
    }, cost)
  ));
  assert.ok(smallMost <= 10, `at most 10 in flight, saw ${smallMost}`);
});
