/**
 * Go datamon's write-ahead log: pkg/wal puts each entry's payload under its token, a ksuid,
 * at the root of the wal bucket. (Go datamon's commands do not call pkg/wal, so most buckets
 * hold no entries.)
 */
import type { GoWalEntry } from "../../model/go_format.ts";
import { goWalEntryKey } from "../../model/go_keys.ts";
import { isKsuid } from "../../model/ksuid.ts";
import type { Store } from "../../store/store.ts";

const decoder = new TextDecoder();

/** Every entry of a wal store in token (= time) order; objects not named by a token are skipped. */
export async function* listGoWalEntries(wal: Store): AsyncGenerator<GoWalEntry> {
  for await (const entry of wal.list("", { delimiter: "/" })) {
    if (entry.kind !== "object" || !isKsuid(entry.key)) continue;
    yield { token: entry.key, payload: decoder.decode(await wal.get(goWalEntryKey(entry.key))) };
  }
}
