/** Names as bytes: the escape of non-UTF-8 bytes round-trips and never meets a real name. */
import { assert, assertEquals } from "../support/assert.ts";
import { displayName, hasRawBytes, nameBytes, nameFromBytes } from "../../lib/util/byte_names.ts";

Deno.test("a UTF-8 name decodes to itself and holds no raw bytes", () => {
  const name = nameFromBytes(new TextEncoder().encode("café/😀.txt"));
  assertEquals(name, "café/😀.txt");
  assert(!hasRawBytes(name));
  assertEquals(displayName(name), name);
});

Deno.test("every byte string round-trips exactly through a name", () => {
  const samples = [
    [0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74], // b"caf\xe9.txt" (Latin-1)
    [0xff, 0xfe, 0x2f, 0x64],
    [0xc0, 0xaf], // overlong '/'
    [0xed, 0xa0, 0x80], // an encoded UTF-16 surrogate
    [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    [0xe2, 0x82], // truncated sequence
    [0xc3, 0xa9, 0xe9, 0xf0, 0x9f, 0x98, 0x80],
  ];
  for (const sample of samples) {
    const bytes = Uint8Array.from(sample);
    const name = nameFromBytes(bytes);
    assert(hasRawBytes(name), `${sample} should hold raw bytes`);
    assertEquals(Array.from(nameBytes(name)), sample);
  }
  for (let b = 0x80; b <= 0xff; b++) {
    assertEquals(Array.from(nameBytes(nameFromBytes(Uint8Array.of(0x61, b)))), [0x61, b]);
  }
});

Deno.test("a name with raw bytes shows them as \\xNN and keeps its valid characters", () => {
  const name = nameFromBytes(Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0xc3, 0xa9, 0xff));
  assertEquals(displayName(name), "caf\\xe9é\\xff");
});

Deno.test("a name of a surrogate pair is not taken for raw bytes", () => {
  // U+1F600 is the pair D83D DE00; a pair's low half may fall in the escape range (DC80-DCFF).
  const name = "\ud83d\udc80"; // U+1F480
  assert(!hasRawBytes(name));
  assertEquals(nameFromBytes(nameBytes(name)), name);
});
