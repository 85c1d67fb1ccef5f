/**
 * lib/util/file_url.ts gives what node:path's `resolve` and node:url's `pathToFileURL` and
 * `fileURLToPath` give (the modules it replaces on the start-up path), checked against them.
 */
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { assert, assertEquals } from "../support/assert.ts";
import { absolutePath, fileUrlOf, pathOfFileUrl } from "../../lib/util/file_url.ts";

/** Every ASCII character but "/" and NUL, then some beyond ASCII. */
const AWKWARD = [...Array(127).keys()].slice(1).map((code) => String.fromCharCode(code))
  .filter((char) => char !== "/").join("") + "üé€😀中\u00a0";

const PATHS = [
  "/",
  "/plain/dir",
  `/a${AWKWARD}z/x`,
  "/a b/c d",
  "/a//b///c/",
  "/a/./b/../c",
  "/..",
  "/a/../../b",
  "relative",
  "some/relative dir/./x/..",
  "",
  ".",
  "..",
  "./x%41/y",
];

Deno.test("paths are made absolute as node:path's resolve makes them", () => {
  for (const path of PATHS) assertEquals(absolutePath(path), resolve(path), JSON.stringify(path));
});

Deno.test("file URLs of paths are node:url's, character for character, without a trailing slash", () => {
  for (const path of PATHS) {
    assertEquals(fileUrlOf(path), pathToFileURL(resolve(path)).href, JSON.stringify(path));
  }
  for (const char of AWKWARD) {
    const path = `/d/${char}`;
    assertEquals(fileUrlOf(path), pathToFileURL(path).href, JSON.stringify(char));
  }
  assertEquals(fileUrlOf("/x/"), "file:///x");
});

Deno.test("a file URL's path is node:url's, and a path's URL leads back to it", () => {
  const urls = ["file:///a/b%20c", "file://localhost/q", "file:", "file:///a?q#h", "FILE:///x"];
  for (const path of PATHS) urls.push(fileUrlOf(path));
  for (const url of urls) assertEquals(pathOfFileUrl(url), fileURLToPath(url), url);
  for (const path of PATHS) assertEquals(pathOfFileUrl(fileUrlOf(path)), absolutePath(path));
});

Deno.test("a URL that names no local file is refused with node:url's error", () => {
  for (
    const url of ["file://host/x", "file:///a%2Fb", "file:///a%2fb", "http://x/y", "not a url"]
  ) {
    let mine: Error | undefined;
    let node: Error | undefined;
    try {
      pathOfFileUrl(url);
    } catch (e) {
      mine = e as Error;
    }
    try {
      fileURLToPath(url);
    } catch (e) {
      node = e as Error;
    }
    assert(mine instanceof TypeError && node !== undefined, `${url} was accepted`);
    assertEquals(mine.message, node.message, url);
  }
});
