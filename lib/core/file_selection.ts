/** `--files`: upload only the files a text file names, one relative path per line. */
import { DatamonError } from "../errors.ts";
import { validateEntryName } from "../model/names.ts";
import { type LocalFile, localFile } from "./walk.ts";

async function readNames(listPath: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(listPath);
  } catch (e) {
    throw new DatamonError(
      "bad-path",
      `--files list ${listPath} cannot be read: ${(e as Error).message}`,
    );
  }
  const names = new Set<string>();
  for (const raw of text.split("\n")) {
    const name = raw.trim().replace(/^\.\//, "");
    if (!name) continue;
    try {
      validateEntryName(name);
    } catch {
      throw new DatamonError(
        "invalid-argument",
        `--files list ${listPath} names "${name}": give paths relative to --path, without ".."`,
      );
    }
    names.add(name);
  }
  // Bundles keep entries in name order; the list is the user's own, so sorting it is bounded
  // by what they wrote.
  return [...names].sort();
}

/** The listed files under `root`, in name order; a missing one is a bad-path error. */
export async function* listedFiles(root: string, listPath: string): AsyncGenerator<LocalFile> {
  for (const name of await readNames(listPath)) {
    const path = `${root}/${name}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch {
      throw new DatamonError("bad-path", `file ${path} named in ${listPath} does not exist`);
    }
    if (!info.isFile) {
      throw new DatamonError("bad-path", `${path} named in ${listPath} is not a regular file`);
    }
    yield localFile(path, name, info);
  }
}
