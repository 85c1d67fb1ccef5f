import { assert } from "../support/assert.ts";
import { isKind } from "../../lib/errors.ts";
import { isKsuid, ksuidGenerator, ksuidTime, newKsuid } from "../../lib/model/ksuid.ts";

Deno.test("newKsuid makes 27 base62 characters", () => {
  for (let i = 0; i < 100; i++) {
    const id = newKsuid();
    assert.match(id, /^[0-9A-Za-z]{27}$/);
    assert.ok(isKsuid(id));
  }
});

Deno.test("ids made in a tight loop strictly increase", () => {
  let last = newKsuid();
  for (let i = 0; i < 20_000; i++) {
    const id = newKsuid();
    assert.ok(id > last, `${id} should sort after ${last}`);
    last = id;
  }
});

Deno.test("an id for a later second sorts after one for an earlier second, at any payload", () => {
  const earlier = new Date("2024-03-01T12:00:00.999Z");
  const later = new Date("2024-03-01T12:00:01.000Z");
  for (let i = 0; i < 200; i++) {
    // Separate generators, so the order comes from the encoding and not from the guard.
    const a = ksuidGenerator()(later);
    const b = ksuidGenerator()(earlier);
    assert.ok(a > b, `${a} should sort after ${b}`);
  }
});

Deno.test("an id for a later millisecond sorts after one for an earlier millisecond", () => {
  const earlier = new Date("2024-03-01T12:00:00.500Z");
  const later = new Date("2024-03-01T12:00:00.501Z");
  for (let i = 0; i < 200; i++) {
    assert.ok(ksuidGenerator()(later) > ksuidGenerator()(earlier));
  }
});

Deno.test("an id asked for an earlier time than the last still sorts after the last", () => {
  const make = ksuidGenerator();
  const first = make(new Date("2030-01-01T00:00:00.000Z"));
  const second = make(new Date("2020-01-01T00:00:00.000Z"));
  assert.ok(second > first);
  assert.equal(ksuidTime(second).toISOString(), "2030-01-01T00:00:00.000Z");
});

Deno.test("ksuidTime returns the time an id was made, to the millisecond", () => {
  for (
    const iso of [
      "2014-05-13T16:53:20.000Z",
      "2024-02-29T23:59:59.999Z",
      "2099-12-31T01:02:03.456Z",
    ]
  ) {
    assert.equal(ksuidTime(ksuidGenerator()(new Date(iso))).toISOString(), iso);
  }
  const before = Date.now();
  const now = ksuidTime(newKsuid()).getTime();
  assert.ok(now >= before - 1 && now <= Date.now() + 1);
});

Deno.test("ksuidTime reads ids made by other KSUID tools to the second", () => {
  // Example id of segmentio/ksuid: timestamp 107608047, random payload.
  assert.equal(ksuidTime("0ujtsYcgvSTl8PAuAdqWYSMnLOv").toISOString(), "2017-10-10T04:00:47.000Z");
  assert.equal(ksuidTime("000000000000000000000000000").toISOString(), "2014-05-13T16:53:20.000Z");
});

Deno.test("isKsuid rejects strings that are not 27 base62 characters in range", () => {
  assert.ok(isKsuid("aWgEPTl1tmebfsQzFP4bxwgy80V"));
  for (
    const bad of [
      "",
      "0ujtsYcgvSTl8PAuAdqWYSMnLO",
      "0ujtsYcgvSTl8PAuAdqWYSMnLOvX",
      "0ujtsYcgvSTl8PAuAdqWYSMnLO-",
      "aWgEPTl1tmebfsQzFP4bxwgy80W",
      "zzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ]
  ) {
    assert.equal(isKsuid(bad), false, bad);
  }
});

Deno.test("ksuidTime rejects a string that is not a ksuid", () => {
  assert.throws(() => ksuidTime("not-an-id"), (e) => isKind(e, "invalid-argument"));
});

Deno.test("newKsuid refuses a time before the KSUID epoch", () => {
  assert.throws(
    () => ksuidGenerator()(new Date("2010-01-01T00:00:00Z")),
    (e) => isKind(e, "invalid-argument") && /system clock/.test(e.message),
  );
  assert.throws(() => ksuidGenerator()(new Date(NaN)), (e) => isKind(e, "invalid-argument"));
});
