import { assert } from "../support/assert.ts";
import {
  bundleKey,
  bundlesPrefix,
  contextKey,
  FILE_LIST_SIZE,
  fileListKey,
  labelPrefix,
  labelRecordKey,
  labelsPrefix,
  repoKey,
  reposPrefix,
} from "../../lib/model/keys.ts";

const ID = "2Xq0hLh0Zq0mE1Xr1y2l8mC2k3Z";

Deno.test("keys follow datamon's layout", () => {
  assert.equal(contextKey("dev"), "contexts/dev/context.yaml");
  assert.equal(reposPrefix, "repos/");
  assert.equal(repoKey("r1"), "repos/r1/repo.yaml");
  assert.equal(bundlesPrefix("r1"), "bundles/r1/");
  assert.equal(bundleKey("r1", ID), `bundles/r1/${ID}/bundle.yaml`);
  assert.equal(fileListKey("r1", ID, 0), `bundles/r1/${ID}/bundle-files-0.yaml`);
  assert.equal(fileListKey("r1", ID, 12), `bundles/r1/${ID}/bundle-files-12.yaml`);
  assert.equal(labelsPrefix("r1"), "labels/r1/");
  assert.equal(labelPrefix("r1", "prod"), "labels/r1/prod/");
  assert.equal(labelRecordKey("r1", "prod", ID), `labels/r1/prod/${ID}.yaml`);
  assert.equal(FILE_LIST_SIZE, 1000);
});

Deno.test("a repo's keys all start with their listing prefix", () => {
  assert.ok(repoKey("r1").startsWith(reposPrefix));
  assert.ok(bundleKey("r1", ID).startsWith(bundlesPrefix("r1")));
  assert.ok(fileListKey("r1", ID, 3).startsWith(bundlesPrefix("r1")));
  assert.ok(labelPrefix("r1", "prod").startsWith(labelsPrefix("r1")));
  assert.ok(labelRecordKey("r1", "prod", ID).startsWith(labelPrefix("r1", "prod")));
  assert.ok(!bundleKey("r10", ID).startsWith(bundlesPrefix("r1")));
});
