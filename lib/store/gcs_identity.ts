/**
 * Who Google credentials belong to: a service account names its email in the credentials;
 * a user's token is exchanged at the OpenID userinfo endpoint for the user's email.
 */
import type { StoreIdentity } from "./store.ts";

/** Google's OpenID Connect userinfo endpoint. */
export const GOOGLE_USERINFO_URL = "https://openidconnect.googleapis.com/v1/userinfo";
const USERINFO_TIMEOUT_MS = 10_000;

/** The part of google-auth-library's GoogleAuth the look-up uses. */
export interface GoogleCredentials {
  getCredentials(): Promise<{ client_email?: string }>;
  getAccessToken(): Promise<string | null | undefined>;
}

/** The account's email, or why it could not be learnt. */
export async function googleAccount(
  auth: GoogleCredentials,
  userinfoUrl = GOOGLE_USERINFO_URL,
): Promise<StoreIdentity> {
  try {
    const credentials = await auth.getCredentials();
    if (credentials.client_email) return { identity: credentials.client_email };
    const token = await auth.getAccessToken();
    if (!token) return { unavailable: "the credentials gave no access token" };
    const response = await fetch(userinfoUrl, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(USERINFO_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { unavailable: `userinfo answered HTTP ${response.status}` };
    }
    const info = await response.json() as { email?: unknown };
    return typeof info.email === "string" && info.email !== ""
      ? { identity: info.email }
      : { unavailable: "userinfo named no email (the token lacks the email scope)" };
  } catch (e) {
    return { unavailable: (e as Error)?.message?.split("\n")[0] ?? String(e) };
  }
}
