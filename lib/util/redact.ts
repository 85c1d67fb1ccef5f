/**
 * Credentials never leave datamon in what it prints or serves: a password in a URL
 * (`https://user:secret@host`), signing and token query parameters (X-Amz-Signature,
 * X-Amz-Credential, access_token...) and AWS access key ids are replaced by "***".
 */

/** What stands in for a credential. */
export const REDACTED = "***";

/** `//user:password@` in a URL, plainly or percent-encoded (inside another URL's query). */
const URL_PASSWORD =
  /(\/\/|%2F%2F)([^\s/?#@:%]*(?:%[0-9A-F]{2}[^\s/?#@:%]*)*)(:|%3A)[^\s/?#@]+?(@|%40)/gi;

/** Query parameters that carry a signature, a token or a key. */
const SECRET_PARAMETER =
  /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|awsaccesskeyid|signature|sig|access_token|token|secret|password|key)=)[^&\s"'#]*/gi;

/** AWS access key ids (long-term AKIA, temporary ASIA). */
const ACCESS_KEY_ID = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g;

/** `text` with every credential it holds replaced by "***". */
export function redactSecrets(text: string): string {
  return text
    .replace(
      URL_PASSWORD,
      (_, slashes, user, colon, at) => `${slashes}${user}${colon}${REDACTED}${at}`,
    )
    .replace(SECRET_PARAMETER, `$1${REDACTED}`)
    .replace(ACCESS_KEY_ID, `$1${REDACTED}`);
}

/** A copy of a JSON-like `value` with every string in it redacted (dates become strings). */
export function redactRecord<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_, v) => typeof v === "string" ? redactSecrets(v) : v);
}

/** Each record of `records`, redacted as it passes. */
export async function* redactEach<T>(records: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const record of records) yield redactRecord(record);
}
