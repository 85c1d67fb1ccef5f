import { assert } from "../support/assert.ts";
import { isKind } from "../../lib/errors.ts";
import { ksuidGenerator } from "../../lib/model/ksuid.ts";
import { validateBundleId, validateEntryName, validateName } from "../../lib/model/names.ts";

Deno.test("validateName accepts letters, digits, '.', '_' and '-' up to 64 characters", () => {
  for (const name of ["a", "Z", "7", "my-repo", "data_set.v2", "0abc", "a..b", "x".repeat(64)]) {
    assert.equal(validateName("repo", name), name);
  }
});

Deno.test("validateName rejects bad names with a message naming the kind and the name", () => {
  const bad = [
    "",
    ".",
    "..",
    "a/b",
    "a b",
    "-a",
    ".a",
    "_a",
    "x".repeat(65),
    "dätä",
    "a\\b",
    "a:b",
    "a\nb",
    " a",
  ];
  for (const kind of ["repo", "label", "context"] as const) {
    for (const name of bad) {
      assert.throws(
        () => validateName(kind, name),
        (e) =>
          isKind(e, "invalid-argument") && e.message.startsWith(`invalid ${kind} name "${name}": `),
        JSON.stringify(name),
      );
    }
  }
});

Deno.test("validateBundleId accepts a ksuid and rejects anything else, naming it", () => {
  const id = ksuidGenerator()();
  assert.equal(validateBundleId(id), id);
  for (const bad of ["", "latest", id.slice(1), `${id}0`, "zzzzzzzzzzzzzzzzzzzzzzzzzzz"]) {
    assert.throws(
      () => validateBundleId(bad),
      (e) => isKind(e, "invalid-argument") && e.message.includes(`"${bad}"`),
    );
  }
});

Deno.test("validateEntryName accepts relative '/'-separated paths, unicode included", () => {
  for (
    const name of [
      "a",
      "a/b/c.txt",
      "ünïcödé/файл 1.txt",
      "a..b",
      ".hidden/x",
      "...",
      "a/.b/..c",
      "tab\there",
    ]
  ) {
    assert.equal(validateEntryName(name), name);
  }
});

Deno.test("validateEntryName rejects absolute, empty, '.', '..' and NUL names as integrity", () => {
  for (
    const name of ["", "/a", "a//b", "a/", "./a", "a/./b", "../a", "a/..", "..", ".", "a\0b", "/"]
  ) {
    assert.throws(
      () => validateEntryName(name),
      (e) =>
        isKind(e, "integrity") &&
        e.message.startsWith(`invalid file entry name ${JSON.stringify(name)}: `),
      JSON.stringify(name),
    );
  }
});
