/** Helpers of the purge tests: local blob stores as key lists, backdating, shared contexts. */
import { joinStoreUrl } from "../../lib/store/open.ts";

const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 3600 * 1000);

/** Every object file under a local blob store, as keys (locks and context records too). */
export async function blobKeys(root: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${root}/${prefix}` : root)) {
    if (e.name === ".datamon-tmp") continue;
    const key = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) keys.push(...await blobKeys(root, key));
    else keys.push(key);
  }
  return keys;
}

/** Makes every object of a local store look two days old, as if written long ago. */
export async function backdate(root: string): Promise<void> {
  for (const key of await blobKeys(root)) {
    await Deno.utime(`${root}/${key}`, TWO_DAYS_AGO, TWO_DAYS_AGO);
  }
}

/** `context create` of `name` with stores of its own under `base` but the blob store `blob`. */
export function createContextArgs(name: string, base: string, blob: string): string[] {
  const at = (role: string) => joinStoreUrl(base, `${name}/${role}`);
  return [
    ...["context", "create", "--context", name, "--blob", blob, "--meta", at("metadata")],
    ...["--vmeta", at("vmetadata"), "--wal", at("wal"), "--read-log", at("readlog")],
  ];
}

/** A lock record as another host's process `command` refreshed it `ago` milliseconds ago. */
export function lockRecord(command: string, ago: number): string {
  const time = new Date(Date.now() - ago).toISOString();
  return `host: elsewhere\npid: 42\ncommand: ${command}\ntime: ${time}\nrefreshed: ${time}\n`;
}
