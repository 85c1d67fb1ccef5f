/**
 * File-system errors a user causes become one-line errors naming the path, each with its own
 * exit code; the errors are the real ones Deno raises wherever this machine can produce them.
 */
import { assert, assertEquals, assertMatch, assertThrowsKind } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { EXIT_CODES } from "../../lib/errors.ts";
import { fsError } from "../../lib/util/fs_errors.ts";
import { isLocalFile, type LocalEntry, type Skipped, walkTree } from "../../lib/core/walk.ts";

/** The error `fn` throws. */
function raised(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/**
 * The kind and message fsError gives the error `failing` raises, in a child Deno: /dev and
 * /sys need --allow-all, which the tests do not have.
 */
async function mappedInChild(
  failing: string,
  path: string,
  mapping = `fsError(e, "${path}", { doing: "writing" })`,
): Promise<{ kind: string; message: string }> {
  const module = new URL("../../lib/util/fs_errors.ts", import.meta.url).href;
  const script = `import { fsError, unmappedFsError } from "${module}";
    try { ${failing}; } catch (e) {
      const m = ${mapping};
      console.log(JSON.stringify({ kind: m.kind, message: m.message }));
    }`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "-A", script],
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("a full device (ENOSPC, from /dev/full) is no-space naming the path", async () => {
  const { kind, message } = await mappedInChild(
    `Deno.writeFileSync("/dev/full", new Uint8Array(8))`,
    "/dst/a.bin",
  );
  assertEquals(kind, "no-space");
  assertMatch(message, /^no space left \(disk full or quota reached\) writing \/dst\/a\.bin: /);
  assertEquals(EXIT_CODES["no-space"], 17);
});

Deno.test("a denied operation (EPERM, mkdir in /sys) is permission-denied naming the path", async () => {
  const { kind, message } = await mappedInChild(`Deno.mkdirSync("/sys/datamon-test")`, "/sys/d");
  assertEquals(kind, "permission-denied");
  assertMatch(message, /^permission denied writing \/sys\/d: /);
});

Deno.test("an error no caller mapped keeps its exit code and names the path Deno names, if any", async () => {
  const top = "unmappedFsError(e)";
  const full = await mappedInChild(`Deno.writeFileSync("/dev/full", new Uint8Array(8))`, "", top);
  assertEquals(full.kind, "no-space");
  assertMatch(full.message, /^no space left \(disk full or quota reached\) writing \/dev\/full: /);
  const write =
    `const f = Deno.openSync("/dev/full", { write: true }); f.writeSync(new Uint8Array(8))`;
  const unnamed = await mappedInChild(write, "", top);
  assertEquals(unnamed.kind, "no-space");
  assertMatch(unnamed.message, /^no space left \(disk full or quota reached\) writing a file: /);
  const denied = await mappedInChild(`Deno.mkdirSync("/sys/datamon-test")`, "", top);
  assertEquals(denied.kind, "permission-denied");
  assertMatch(denied.message, /^permission denied writing \/sys\/datamon-test: /);
});

Deno.test("a read-only file system (EROFS) is read-only naming the path", () => {
  // The error Deno raises for EROFS (a plain Error with its code); the real one, from a
  // read-only FUSE mount, is in tests/mount/read_only_dest_test.ts.
  const e = Object.assign(new Error("Read-only file system (os error 30)"), { code: "EROFS" });
  const error = assertThrowsKind("read-only", () => {
    throw fsError(e, "/ro/a.txt", { doing: "writing" });
  });
  assertMatch(error.message, /^cannot write \/ro\/a\.txt: its file system is read-only/);
});

Deno.test("a missing path is 'vanished' only where it was seen to exist", () => {
  const e = raised(() => Deno.statSync("/nonexistent/datamon"));
  assertThrowsKind("vanished", () => {
    throw fsError(e, "/x", { doing: "reading", existed: true });
  });
  assert.equal(fsError(e, "/x", { doing: "reading" }), e);
  const other = new Error("something else");
  assert.equal(fsError(other, "/x", { doing: "reading", existed: true }), other);
});

/** Walks `root`, and on the first file yielded runs `meanwhile`; returns names and skips. */
async function walkWhile(
  root: string,
  meanwhile: () => Promise<void>,
  skipOnError = false,
): Promise<{ names: string[]; skipped: Skipped[] }> {
  const names: string[] = [];
  const skipped: Skipped[] = [];
  const walk = walkTree(root, { skipOnError, onSkip: (s) => skipped.push(s) });
  for await (const entry of walk as AsyncGenerator<LocalEntry>) {
    if (names.length === 0) await meanwhile();
    if (isLocalFile(entry)) names.push(entry.name);
  }
  return { names, skipped };
}

async function tree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/a`, { recursive: true });
  await Deno.mkdir(`${root}/b`);
  await Deno.writeTextFile(`${root}/a/x.txt`, "x");
  await Deno.writeTextFile(`${root}/b/y.txt`, "y");
  await Deno.writeTextFile(`${root}/c.txt`, "c");
}

Deno.test("a directory removed while the walk runs fails it as vanished, naming it", async () => {
  await withTempDir(async (root) => {
    await tree(root);
    const e = await walkWhile(root, () => Deno.remove(`${root}/b`, { recursive: true }))
      .then(() => undefined, (e) => e);
    assertEquals(e?.kind, "vanished");
    assertMatch(e.message, new RegExp(`^${root}/b vanished or was replaced while datamon`));
  });
});

Deno.test("a file removed while the walk runs fails it as vanished, or is skipped and listed", async () => {
  await withTempDir(async (root) => {
    await tree(root);
    const e = await walkWhile(root, () => Deno.remove(`${root}/c.txt`))
      .then(() => undefined, (e) => e);
    assertEquals(e?.kind, "vanished");
    assertMatch(e.message, new RegExp(`^${root}/c.txt vanished`));
    await Deno.writeTextFile(`${root}/c.txt`, "c");
    const { names, skipped } = await walkWhile(root, async () => {
      await Deno.remove(`${root}/b`, { recursive: true });
      await Deno.remove(`${root}/c.txt`);
    }, true);
    assertEquals(names, ["a/x.txt"]);
    assertEquals(skipped.map((s) => s.name), ["b/", "c.txt"]);
    assertMatch(skipped[0].reason, /vanished/);
  });
});
