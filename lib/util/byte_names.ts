/**
 * File names as bytes inside strings. Linux names are bytes and need not be UTF-8; datamon keeps
 * them in strings by escaping each byte that is not part of valid UTF-8 as the lone surrogate
 * U+DC80..U+DCFF (the "surrogateescape" of Python's PEP 383). Valid UTF-8 never decodes to a
 * lone surrogate, so an escaped name can never equal a real UTF-8 name, and the escape undoes
 * exactly: `nameBytes(nameFromBytes(b))` is `b` for every byte string.
 */

/** A byte escaped by nameFromBytes: a lone surrogate U+DC80..U+DCFF ("u" mode skips pairs). */
const ESCAPED_BYTE = /[\u{dc80}-\u{dcff}]/u;
const ESCAPED_BYTES = /[\u{dc80}-\u{dcff}]/gu;

const strict = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** True when `name` holds bytes that are not UTF-8 (escaped by nameFromBytes). */
export function hasRawBytes(name: string): boolean {
  return ESCAPED_BYTE.test(name);
}

/** The string of a name's bytes: valid UTF-8 decoded, every other byte escaped. */
export function nameFromBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return escapingDecode(bytes);
  }
}

/** The bytes of a name made by nameFromBytes (or any UTF-8 string). */
export function nameBytes(name: string): Uint8Array {
  if (!hasRawBytes(name)) return encoder.encode(name);
  const out: number[] = [];
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) out.push(code - 0xdc00);
    else out.push(...encoder.encode(char));
  }
  return Uint8Array.from(out);
}

/**
 * A name as shown to a person: each byte that is not UTF-8 as `\xNN`, so output never holds
 * raw invalid bytes (nor the U+FFFD a terminal would show for them).
 */
export function displayName(name: string): string {
  return hasRawBytes(name)
    ? name.replace(
      ESCAPED_BYTES,
      (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, "0")}`,
    )
    : name;
}

/** Decodes byte by byte: a valid UTF-8 sequence as its character, any other byte escaped. */
function escapingDecode(bytes: Uint8Array): string {
  let text = "";
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      text += String.fromCharCode(0xdc00 + bytes[i]);
      i++;
    } else {
      text += strict.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return text;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when none starts there. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  if (lead < 0x80) return 1;
  const [length, min, max] = lead >= 0xc2 && lead <= 0xdf
    ? [2, 0x80, 0x7ff]
    : lead >= 0xe0 && lead <= 0xef
    ? [3, 0x800, 0xffff]
    : lead >= 0xf0 && lead <= 0xf4
    ? [4, 0x10000, 0x10ffff]
    : [0, 0, 0];
  if (length === 0 || i + length > bytes.length) return 0;
  let code = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k];
    if ((next & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  // Overlong forms and UTF-16 surrogates are not UTF-8.
  if (code < min || code > max || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}
