/**
 * The file-list codec on a 1000-entry list, the size of one bundle-files document (a bundle of
 * n files writes and reads n / 1000 of them): encoding, decoding, and both in turn. Timed here
 * rather than bounded in a test, where a busy machine broke a wall-clock limit (it was 25 ms a
 * round trip). For scale: the yaml library alone took ~70 ms a round trip of such a list.
 *
 * `deno bench bench/file_list_codec_bench.ts` (no permissions needed), or `deno task bench`.
 */
import { decodeFileList, encodeFileList } from "../lib/model/codec.ts";
import { entriesOf } from "../tests/support/file_entries.ts";

const entries = entriesOf(1000);
const text = encodeFileList(entries);

Deno.bench("file list of 1000 entries: encode then decode", () => {
  decodeFileList(encodeFileList(entries), "list");
});

Deno.bench("file list of 1000 entries: encode", () => {
  encodeFileList(entries);
});

Deno.bench("file list of 1000 entries: decode", () => {
  decodeFileList(text, "list");
});
