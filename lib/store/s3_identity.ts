/**
 * Who S3 credentials belong to: STS GetCallerIdentity answers with the caller's ARN, whatever
 * kind of credentials the AWS chain found (keys, profile, SSO, instance or task role). The STS
 * client is imported when the question is asked, so that opening an S3 store does not load it.
 */
import type { StoreIdentity } from "./store.ts";

/** How long the identity question may take before it counts as unanswered. */
const STS_TIMEOUT_MS = 10_000;

/** Where to ask: the region, and an STS endpoint other than AWS's own (a fake, a proxy). */
export interface StsTarget {
  region: string;
  endpoint?: string;
}

/** The caller's ARN as STS states it, or why STS did not say. */
export async function stsCallerArn(target: StsTarget): Promise<StoreIdentity> {
  const { GetCallerIdentityCommand, STSClient } = await import("@aws-sdk/client-sts");
  const client = new STSClient({
    region: target.region,
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    maxAttempts: 2,
  });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}), {
      abortSignal: AbortSignal.timeout(STS_TIMEOUT_MS),
    });
    return out.Arn ? { identity: out.Arn } : { unavailable: "STS answered without an ARN" };
  } catch (e) {
    const reason = (e as Error)?.message?.split("\n")[0] || (e as Error)?.name || String(e);
    return { unavailable: `STS GetCallerIdentity failed: ${reason}` };
  } finally {
    client.destroy();
  }
}
