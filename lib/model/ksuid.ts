/**
 * KSUIDs: 20 bytes (4-byte seconds since 2014-05-13 + 16-byte payload) written as 27 base62
 * characters, so comparing the strings compares the times. Datamon calls the greatest bundle id
 * "latest", so ids here are finer than seconds: payload bytes 0-1 hold the milliseconds, and one
 * process never makes the same or a smaller id twice.
 */

import { DatamonError } from "../errors.ts";

/** Seconds since the Unix epoch of KSUID time 0 (2014-05-13T16:53:20Z). */
const KSUID_EPOCH_SECONDS = 1_400_000_000;
const KSUID_LENGTH = 27;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const MAX_VALUE = (1n << 160n) - 1n;
/** The greatest 160-bit value in base62; same length strings compare like their numbers. */
const MAX_KSUID = "aWgEPTl1tmebfsQzFP4bxwgy80V";
const KSUID_PATTERN = /^[0-9A-Za-z]{27}$/;

/** Makes ids that strictly increase across calls, even within one millisecond. */
export type KsuidGenerator = (now?: Date) => string;

/**
 * Returns a generator with its own "last id" guard: when a new id would not be greater than the
 * last one it made, it returns last + 1 (as a 160-bit number) instead.
 */
export function ksuidGenerator(): KsuidGenerator {
  let last = -1n;
  return (now = new Date()) => {
    let value = ksuidValue(now);
    if (value <= last) value = last + 1n;
    if (value > MAX_VALUE) {
      throw new DatamonError("invalid-argument", "cannot make an id: the KSUID range is used up");
    }
    last = value;
    return encode(value);
  };
}

/** A new KSUID for `now`, greater than every id this process made before. */
export const newKsuid: KsuidGenerator = ksuidGenerator();

/** True when `s` is 27 base62 characters within the 160-bit range. */
export function isKsuid(s: string): boolean {
  return KSUID_PATTERN.test(s) && s <= MAX_KSUID;
}

/**
 * The time an id was made: its seconds plus the milliseconds of its payload. Ids made elsewhere
 * carry random payloads; a millisecond field above 999 is then ignored.
 */
export function ksuidTime(id: string): Date {
  if (!isKsuid(id)) {
    throw new DatamonError(
      "invalid-argument",
      `invalid ksuid "${id}": expected 27 letters and digits`,
    );
  }
  const value = decode(id);
  const seconds = Number(value >> 128n);
  const millis = Number((value >> 112n) & 0xffffn);
  return new Date((seconds + KSUID_EPOCH_SECONDS) * 1000 + (millis < 1000 ? millis : 0));
}

/**
 * The ksuid with every digit replaced by its complement (0 <-> z): inverted ids sort in the
 * reverse order of the ids, so a listing of keys named by them, which stores give in key
 * order, starts with the newest. Its own inverse.
 */
export function invertKsuid(id: string): string {
  if (!KSUID_PATTERN.test(id)) {
    throw new DatamonError(
      "invalid-argument",
      `invalid ksuid "${id}": expected 27 letters and digits`,
    );
  }
  let out = "";
  for (const ch of id) out += BASE62[61 - BASE62.indexOf(ch)];
  return out;
}

function ksuidValue(now: Date): bigint {
  const ms = now.getTime();
  const seconds = Math.floor(ms / 1000) - KSUID_EPOCH_SECONDS;
  if (!Number.isFinite(ms) || seconds < 0 || seconds > 0xffffffff) {
    throw new DatamonError(
      "invalid-argument",
      `cannot make an id for time ${ms}: ids cover 2014-05-13 to 2150; check the system clock`,
    );
  }
  const random = crypto.getRandomValues(new Uint8Array(14));
  let payload = 0n;
  for (const byte of random) payload = (payload << 8n) | BigInt(byte);
  return (BigInt(seconds) << 128n) | (BigInt(ms % 1000) << 112n) | payload;
}

function encode(value: bigint): string {
  const chars = new Array<string>(KSUID_LENGTH);
  for (let i = KSUID_LENGTH - 1; i >= 0; i--) {
    chars[i] = BASE62[Number(value % 62n)];
    value /= 62n;
  }
  return chars.join("");
}

function decode(id: string): bigint {
  let value = 0n;
  for (const ch of id) value = value * 62n + BigInt(BASE62.indexOf(ch));
  return value;
}
