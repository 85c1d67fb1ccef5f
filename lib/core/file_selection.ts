/**
 * Choosing what an upload takes: `--files` (only the files a text file names, one relative path
 * per line), and what it leaves out: `--exclude GLOB` and the `.datamonignore` file at the top of
 * the uploaded directory, both in gitignore syntax.
 */
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
export async function* listedFiles(
  root: string,
  listPath: string,
  exclude?: Exclusion,
): AsyncGenerator<LocalFile> {
  for (const name of await readNames(listPath)) {
    if (exclude?.(name)) continue;
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

/** The file at the top of an uploaded directory naming, in gitignore syntax, what to leave out. */
export const IGNORE_FILE = ".datamonignore";

/** True for a relative name an upload leaves out; a directory's name ends with "/". */
export type Exclusion = (name: string) => boolean;

/**
 * What an upload of `root` leaves out: the rules of `root`/.datamonignore (when `root` is a
 * local directory that has one), then the `--exclude` globs, with gitignore's meaning (the
 * `ignore` package: negation, anchoring, `**`, a trailing "/" for directories). None: undefined.
 */
export async function uploadExclusion(
  root: string | undefined,
  globs: readonly string[],
): Promise<Exclusion | undefined> {
  const fileRules = root === undefined ? undefined : await readIgnoreFile(`${root}/${IGNORE_FILE}`);
  if (fileRules === undefined && globs.length === 0) return undefined;
  // Loaded here: `ignore` is CommonJS and reads the global `process` as it loads, which starts
  // Deno's Node layer in every command of the bundle group (`bundle list` too), ~10-40 ms.
  const { default: ignore } = await import("ignore");
  const rules = ignore();
  if (fileRules !== undefined) rules.add(fileRules);
  rules.add([...globs]);
  return (name) => rules.ignores(name);
}

/** The text of an ignore file; undefined when there is none. */
async function readIgnoreFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new DatamonError("bad-path", `${path} cannot be read: ${(e as Error).message}`);
  }
}

/** The entries of `source` that `exclude` keeps (a bucket's objects: no directories to prune). */
export async function* withoutExcluded<T extends { name: string }>(
  source: AsyncIterable<T>,
  exclude: Exclusion | undefined,
): AsyncGenerator<T> {
  for await (const entry of source) if (!exclude?.(entry.name)) yield entry;
}
