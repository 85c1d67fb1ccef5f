/** Leaf buffers: the bytes of leaves an upload holds in flight stay bounded whatever the leaf size. */
import { assert } from "../support/assert.ts";
import { DEFAULT_LEAF_SIZE, leafBuffers } from "../../lib/cafs/tuning.ts";

const MiB = 1024 * 1024;

Deno.test("leafBuffers holds the default concurrency's buffers at the default leaf size", () => {
  assert.equal(leafBuffers(16, DEFAULT_LEAF_SIZE), 16);
  assert.equal(leafBuffers(2, DEFAULT_LEAF_SIZE), 4);
});

Deno.test("leafBuffers keeps larger leaves to the bytes in flight of the default leaf size", () => {
  for (const leafSize of [4 * MiB, 8 * MiB]) {
    assert.equal(
      leafBuffers(16, leafSize) * leafSize,
      leafBuffers(16, DEFAULT_LEAF_SIZE) * DEFAULT_LEAF_SIZE,
    );
  }
  assert.equal(leafBuffers(64, 64 * 1024), 64);
  assert.equal(leafBuffers(16, 64 * MiB), 4);
});
