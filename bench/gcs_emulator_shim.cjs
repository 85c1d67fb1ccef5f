/**
 * The GCS test server (scripts/servers/gcs_emulator.cjs, firebase-tools' storage emulator) made
 * to accept rclone's uploads as Google's service does, for bench/compare_gcs.sh:
 *
 *   DATAMON_SERVERS_DIR=.tools/servers GCS_EMULATOR_PUBLIC_PORT=P \
 *     node bench/gcs_emulator_shim.cjs <port> [dataDir]
 *
 * rclone 1.60 (Google's Go client) fails on the bare emulator in three ways, each a gap of the
 * emulator, not of the protocol:
 * - multipart uploads (objects under 16 MiB): rclone sends the media part without a
 *   Content-Type header (it passes googleapi.ContentType("") so nothing is sniffed); the emulator
 *   answers 400 "Missing content type". Here such a part is read as application/octet-stream.
 * - resumable uploads (16 MiB and more): the Go client sends each 16 MiB chunk as a POST with a
 *   Content-Range, and expects "308, go on" until the last one; the emulator takes chunks only
 *   as PUT and finishes the object after the first. Here chunks append until the range's end
 *   reaches the announced total.
 * - downloads: rclone GETs each object's mediaLink, which the emulator builds from its own port,
 *   so rclone's reads would bypass a proxy in front of it. GCS_EMULATOR_PUBLIC_PORT names the
 *   port links should carry (the shaping proxy's).
 * Requests datamon's SDK sends (simple uploads, JSON API reads) pass to the emulator untouched.
 * On SIGUSR2 it prints `requests N`, the requests served so far (the bench counts an upload's
 * requests here: a counting proxy would miss the chunks sent to the upload URL it is given).
 */
"use strict";

const path = require("node:path");

const serversDir = process.env.DATAMON_SERVERS_DIR;
if (!serversDir) {
  process.stderr.write("gcs_emulator_shim: DATAMON_SERVERS_DIR is not set\n");
  process.exit(2);
}

/** A module of firebase-tools, the same instance scripts/servers/gcs_emulator.cjs loads. */
function firebase(subpath) {
  const modules = path.resolve(serversDir, "node_modules");
  return require(require.resolve(`firebase-tools/${subpath}`, { paths: [modules] }));
}

const multipart = firebase("lib/emulator/storage/multipart");
const storageServer = firebase("lib/emulator/storage/server");
const { EmulatorRegistry } = firebase("lib/emulator/registry");
const { CloudStorageObjectMetadata } = firebase("lib/emulator/storage/metadata");

// A part whose headers are empty starts with a blank line right after its boundary.
const parseMultipart = multipart.parseObjectUploadMultipartRequest;
multipart.parseObjectUploadMultipartRequest = (contentTypeHeader, body) => {
  const boundary = contentTypeHeader.split("boundary=")[1]?.replace(/^["']|["']$/g, "");
  if (boundary === undefined) return parseMultipart(contentTypeHeader, body);
  const bare = `--${boundary}\r\n\r\n`;
  const typed = `--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const text = body.toString("latin1");
  return parseMultipart(
    contentTypeHeader,
    text.includes(bare) ? Buffer.from(text.split(bare).join(typed), "latin1") : body,
  );
};

const publicPort = process.env.GCS_EMULATOR_PUBLIC_PORT;
if (publicPort) {
  const url = EmulatorRegistry.url.bind(EmulatorRegistry);
  EmulatorRegistry.url = (emulator, req) => {
    const link = url(emulator, req);
    if (!req) link.port = publicPort;
    return link;
  };
}

let requests = 0;
process.on("SIGUSR2", () => process.stdout.write(`requests ${requests}\n`));

// The app is a request handler (the test server mounts it on its own http server): this one
// counts requests and takes resumable-upload chunks itself.
const createApp = storageServer.createApp;
storageServer.createApp = async (projectId, emulator) => {
  const app = await createApp(projectId, emulator);
  return (req, res) => {
    requests++;
    if (isResumableChunk(req)) {
      takeChunk(emulator, req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e?.message ?? e));
      });
    } else {
      app(req, res);
    }
  };
};

function isResumableChunk(req) {
  if (req.method !== "POST" && req.method !== "PUT") return false;
  const url = new URL(req.url, "http://x");
  return url.pathname.startsWith("/upload/storage/v1/b/") && url.searchParams.has("upload_id");
}

/** One chunk: appended; the object is finished when the chunk's range reaches the total. */
async function takeChunk(emulator, req, res) {
  const url = new URL(req.url, "http://x");
  const id = url.searchParams.get("upload_id");
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const data = Buffer.concat(chunks);
  // "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/*" (more to come) or "bytes */TOTAL" (done).
  const range = /bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)/.exec(req.headers["content-range"] ?? "");
  const total = range === null || range[3] === "*" ? null : Number(range[3]);
  let upload;
  try {
    upload = emulator.uploadService.continueResumableUpload(id, data);
  } catch (e) {
    res.statusCode = e?.constructor?.name === "NotFoundError" ? 404 : 400;
    return res.end();
  }
  const done = range === null || (total !== null && upload.size >= total);
  if (!done) {
    // The Go client asks for 200 with an override header instead of a bare 308.
    const no308 = String(req.headers["x-guploader-no-308"] ?? "").toLowerCase() === "yes";
    res.statusCode = no308 ? 200 : 308;
    if (no308) res.setHeader("X-Http-Status-Code-Override", "308");
    if (upload.size > 0) res.setHeader("Range", `bytes=0-${upload.size - 1}`);
    return res.end();
  }
  const finished = emulator.uploadService.finalizeResumableUpload(id);
  const metadata = await emulator.adminStorageLayer.uploadObject(finished);
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify(new CloudStorageObjectMetadata(metadata)));
}

require("../scripts/servers/gcs_emulator.cjs");
