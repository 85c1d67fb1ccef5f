/** Cancellation: long operations check an AbortSignal between units of work. */
import { DatamonError } from "../errors.ts";

/** Throws an "interrupted" error carrying `message` once the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, message: string): void {
  if (signal?.aborted) throw new DatamonError("interrupted", message);
}
