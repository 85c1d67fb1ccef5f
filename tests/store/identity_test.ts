/**
 * Who a store's credentials belong to. The S3 test server has no STS and the GCS emulator no
 * userinfo, so these run against small fakes (serveFake), as the names say.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { serveFake } from "../support/fake_http.ts";
import { stsCallerArn } from "../../lib/store/s3_identity.ts";
import { googleAccount } from "../../lib/store/gcs_identity.ts";
import { resolveActor } from "../../lib/meta/contributor.ts";
import { LocalStore } from "../../lib/store/local.ts";
import type { StoreIdentity } from "../../lib/store/store.ts";

const ARN = "arn:aws:iam::123456789012:user/ada";

function stsAnswer(arn: string): Response {
  return new Response(
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDA</UserId>
  <Account>123456789012</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`,
    { headers: { "content-type": "text/xml" } },
  );
}

Deno.test("S3 identity is the caller's ARN from STS GetCallerIdentity (fake STS server)", async () => {
  await using sts = serveFake(() => stsAnswer(ARN));
  const answer = await stsCallerArn({ region: "us-east-1", endpoint: sts.url });
  assertEquals(answer, { identity: ARN });
  assertMatch(new TextDecoder().decode(sts.requests[0].body), /Action=GetCallerIdentity/);
});

Deno.test("S3 identity is unavailable, with the reason, when STS refuses (fake STS server)", async () => {
  await using sts = serveFake(() => new Response("denied", { status: 403 }));
  const answer = await stsCallerArn({ region: "us-east-1", endpoint: sts.url });
  assert("unavailable" in answer);
  assertMatch(answer.unavailable, /STS GetCallerIdentity failed/);
});

Deno.test("GCS identity of a service account is the email its credentials name (no request)", async () => {
  const answer = await googleAccount({
    getCredentials: () => Promise.resolve({ client_email: "sa@p.iam.gserviceaccount.com" }),
    getAccessToken: () => Promise.reject(new Error("not asked")),
  });
  assertEquals(answer, { identity: "sa@p.iam.gserviceaccount.com" });
});

Deno.test("GCS identity of a user is the email userinfo gives for the token (fake userinfo server)", async () => {
  await using userinfo = serveFake((req) =>
    req.headers.get("authorization") === "Bearer tok"
      ? Response.json({ email: "ada@example.com", sub: "1" })
      : new Response("no", { status: 401 })
  );
  const auth = {
    getCredentials: () => Promise.resolve({}),
    getAccessToken: () => Promise.resolve("tok"),
  };
  assertEquals(await googleAccount(auth, userinfo.url), { identity: "ada@example.com" });
  const refused = await googleAccount(
    { ...auth, getAccessToken: () => Promise.resolve("bad") },
    userinfo.url,
  );
  assertEquals(refused, { unavailable: "userinfo answered HTTP 401" });
});

/** A store (never written, at a URL of its own) that answers identity as told. */
class StoreWithIdentity extends LocalStore {
  asked = 0;
  constructor(private readonly answer: StoreIdentity) {
    super(unusedPath());
  }
  identity(): Promise<StoreIdentity> {
    this.asked++;
    return Promise.resolve(this.answer);
  }
}

function unusedPath(): string {
  return `/tmp/datamon-identity-test-${crypto.randomUUID()}`;
}

function storeWithIdentity(answer: StoreIdentity): StoreWithIdentity {
  return new StoreWithIdentity(answer);
}

Deno.test("the actor carries the cloud identity, asked once per store and process", async () => {
  const store = storeWithIdentity({ identity: ARN });
  const settings = { name: "Ada", email: "ada@x" };
  const first = await resolveActor(settings, store);
  const second = await resolveActor(settings, store);
  assertEquals(first, { name: "Ada", email: "ada@x", identity: ARN });
  assertEquals(second, first);
  assertEquals(store.asked, 1);
});

Deno.test("an unavailable cloud identity falls back to the configured name with a warning; --skip-auth does not ask", async () => {
  const store = storeWithIdentity({ unavailable: "no STS here" });
  const warnings: string[] = [];
  const settings = { name: "Ada", email: "ada@x" };
  const actor = await resolveActor(settings, store, {}, { onWarning: (m) => warnings.push(m) });
  assertEquals(actor, { name: "Ada", email: "ada@x" });
  assertEquals(warnings.length, 1);
  assertMatch(warnings[0], /no STS here.*Ada <ada@x>/);
  const other = storeWithIdentity({ identity: ARN });
  assertEquals(await resolveActor(settings, other, {}, { skipAuth: true }), settings);
  assertEquals(other.asked, 0);
  assertEquals(await resolveActor(settings, new LocalStore(unusedPath())), settings);
});
