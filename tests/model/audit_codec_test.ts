/** Audit records: strict codecs, and keys whose listing order is newest first. */
import { assertEquals, assertMatch, assertRejects } from "../support/assert.ts";
import {
  decodeBundle,
  decodeReadRecord,
  decodeWalRecord,
  encodeBundle,
  encodeReadRecord,
  encodeWalRecord,
} from "../../lib/model/codec.ts";
import { auditRecordId, auditRecordKey, repoAuditPrefix } from "../../lib/model/keys.ts";
import { invertKsuid, newKsuid } from "../../lib/model/ksuid.ts";
import type { BundleDoc, ReadRecord, WalRecord } from "../../lib/model/types.ts";

/** Runs a synchronous decode as a promise, so assertRejects sees what it throws. */
function later<T>(fn: () => T): Promise<T> {
  return Promise.resolve().then(fn);
}

const actor = { name: "Ada", email: "ada@x", identity: "arn:aws:iam::1:user/ada" };

Deno.test("write-ahead and read log records round-trip through YAML, identity included", () => {
  const wal: WalRecord = {
    id: newKsuid(),
    actor,
    operation: "commit bundle",
    key: "bundles/r/x/bundle.yaml",
    store: "s3://b/meta",
    repo: "r",
    bundle: newKsuid(),
    time: new Date("2026-01-02T03:04:05.006Z"),
  };
  assertEquals(decodeWalRecord(encodeWalRecord(wal), "w"), wal);
  const read: ReadRecord = {
    id: newKsuid(),
    actor: { name: "Ada", email: "ada@x" },
    repo: "r",
    bundle: newKsuid(),
    selection: "filter",
    target: "\\.csv$",
    method: "download",
    time: new Date("2026-01-02T03:04:05.006Z"),
    host: "vm",
    run: "train-7",
  };
  assertEquals(decodeReadRecord(encodeReadRecord(read), "r"), read);
});

Deno.test("audit records with an unknown operation, method or a target for 'all' are damaged", async () => {
  const text = encodeWalRecord({
    id: newKsuid(),
    actor,
    operation: "create repo",
    key: "repos/r/repo.yaml",
    store: "file:///x",
    time: new Date(),
  });
  const bad = await assertRejects(() =>
    later(() => decodeWalRecord(text.replace("create repo", "drop table"), "w.yaml"))
  );
  assertMatch(bad.message, /malformed w.yaml: field "operation" must be one of/);
  const read = encodeReadRecord({
    id: newKsuid(),
    actor,
    repo: "r",
    bundle: newKsuid(),
    selection: "all",
    method: "mount",
    time: new Date(),
    host: "h",
  });
  await assertRejects(() => later(() => decodeReadRecord(read.replace("mount", "teleport"), "r")));
  await assertRejects(() => later(() => decodeReadRecord(`${read}target: x\n`, "r")));
});

Deno.test("a bundle's inputs round-trip and are absent when there are none", () => {
  const bundle: BundleDoc = {
    id: newKsuid(),
    repo: "model",
    message: "m",
    timestamp: new Date("2026-01-02T03:04:05.006Z"),
    contributors: [actor],
    leafSize: 65536,
    deduplication: "blake3",
    formatVersion: 2,
    fileListCount: 1,
    fileCount: 1,
    totalSize: 1,
    inputs: [{ repo: "clean", bundle: newKsuid() }],
  };
  assertEquals(decodeBundle(encodeBundle(bundle), "b"), bundle);
  const { inputs: _, ...plain } = bundle;
  assertEquals(encodeBundle(plain).includes("inputs"), false);
});

Deno.test("audit record keys list newest first and give their id back", () => {
  const ids = Array.from({ length: 50 }, () => newKsuid());
  const prefix = repoAuditPrefix("r");
  const keys = ids.map((id) => auditRecordKey(prefix, id));
  assertEquals([...keys].sort(), keys.reverse());
  assertEquals(keys.map((k) => auditRecordId(prefix, k)), [...ids].reverse());
  assertEquals(invertKsuid(invertKsuid(ids[0])), ids[0]);
  assertEquals(auditRecordId(prefix, `${prefix}notes.txt`), null);
});
