/**
 * An HTTP proxy in front of the S3 test server that keeps object versions, as a versioned S3
 * bucket does and no test server here does: every object written through it is remembered as a
 * new version, and ListObjectVersions and GetObject with a VersionId are answered from them.
 * All other requests pass through to the server.
 */
import { forward } from "./fault_proxy.ts";

/** One remembered version of an object. */
interface KeptVersion {
  versionId: string;
  bytes: Uint8Array<ArrayBuffer>;
  modified: Date;
}

export interface VersioningProxy extends AsyncDisposable {
  /** http://127.0.0.1:PORT, to use as the store's endpoint. */
  url: string;
}

/** Proxies to the S3 server at `upstream`, keeping a version of every object put through it. */
export function startVersioningProxy(upstream: string): VersioningProxy {
  // "bucket/key" -> its versions, oldest first.
  const versions = new Map<string, KeptVersion[]>();
  let written = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const path = decodeURIComponent(url.pathname.slice(1));
    if (req.method === "GET" && url.searchParams.has("versions")) {
      // The bucket's path, with or without the SDK's trailing "/".
      const bucket = path.replace(/\/$/, "");
      return listVersions(versions, bucket, url.searchParams.get("prefix") ?? "");
    }
    const versionId = url.searchParams.get("versionId");
    if (req.method === "GET" && versionId !== null) {
      const kept = versions.get(path)?.find((v) => v.versionId === versionId);
      return kept
        ? new Response(kept.bytes, { headers: { etag: '"e"' } })
        : new Response("no such version", { status: 404 });
    }
    const body = req.body === null ? undefined : new Uint8Array(await req.arrayBuffer());
    const answer = await forward(req, upstream, body);
    if (req.method === "PUT" && body !== undefined && answer.ok) {
      const kept = versions.get(path) ?? [];
      kept.push({ versionId: `v${++written}`, bytes: body, modified: new Date() });
      versions.set(path, kept);
    }
    return answer;
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A ListVersionsResult of the bucket's keys under `prefix`: key order, newest first. */
function listVersions(
  versions: Map<string, KeptVersion[]>,
  bucket: string,
  prefix: string,
): Response {
  const rows: string[] = [];
  for (const path of [...versions.keys()].sort()) {
    const key = path.slice(bucket.length + 1);
    if (!path.startsWith(`${bucket}/`) || !key.startsWith(prefix)) continue;
    const kept = versions.get(path)!;
    kept.forEach((_, i) => {
      const v = kept[kept.length - 1 - i];
      rows.push(
        `<Version><Key>${escapeXml(key)}</Key><VersionId>${v.versionId}</VersionId>` +
          `<IsLatest>${i === 0}</IsLatest><LastModified>${v.modified.toISOString()}` +
          `</LastModified><ETag>"e"</ETag><Size>${v.bytes.length}</Size>` +
          "<StorageClass>STANDARD</StorageClass></Version>",
      );
    });
  }
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix>` +
    `<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${rows.join("")}` +
    "</ListVersionsResult>";
  return new Response(xml, { headers: { "content-type": "application/xml" } });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
