/**
 * A local server of the Google Cloud Storage JSON API for the GCS backend's tests:
 *
 *   DATAMON_SERVERS_DIR=.tools/servers node scripts/servers/gcs_emulator.cjs <port> [dataDir]
 *
 * Runs firebase-tools' Cloud Storage emulator in this process on 127.0.0.1:<port>, prints
 * exactly one line `ready <port>` on stdout once it accepts requests, and exits 0 on SIGTERM or
 * SIGINT. Object bytes live in dataDir (default: a fresh temp directory, removed on exit).
 *
 * `firebase emulators:start` cannot run here (it wants Java for its rules runtime and downloads
 * a rules JAR), so only the HTTP app is started: the JSON API the GCS SDK speaks is served
 * through the emulator's admin layer, which never consults security rules.
 */
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");

const USAGE = "usage: node gcs_emulator.cjs <port> [dataDir]  (env DATAMON_SERVERS_DIR=<dir " +
  "holding node_modules/firebase-tools>)";
const HOST = "127.0.0.1";

function fail(message) {
  process.stderr.write(`gcs_emulator: ${message}\n`);
  process.exit(2);
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(USAGE);
const serversDir = process.env.DATAMON_SERVERS_DIR;
if (!serversDir) fail(`DATAMON_SERVERS_DIR is not set; ${USAGE}`);

const given = process.argv[3];
const dataDir = given
  ? path.resolve(given)
  : fs.mkdtempSync(path.join(os.tmpdir(), "datamon-gcs-emulator-"));

/** Loads a module from firebase-tools in DATAMON_SERVERS_DIR, not from this script's tree. */
function firebase(subpath) {
  const modules = path.resolve(serversDir, "node_modules");
  try {
    return require(require.resolve(`firebase-tools/${subpath}`, { paths: [modules] }));
  } catch (e) {
    fail(
      `cannot load firebase-tools/${subpath} from ${modules} (${e.message}); ` +
        "run npm install firebase-tools there",
    );
  }
}

const { StorageEmulator } = firebase("lib/emulator/storage");
const { createApp } = firebase("lib/emulator/storage/server");
const { EmulatorRegistry } = firebase("lib/emulator/registry");
const { createDestroyer } = firebase("lib/utils");

/**
 * The emulator serves an object copy (rewriteTo, copyTo) only at /b/..., not at the
 * /storage/v1/b/... path the SDK asks: this passes such requests on under the path it serves.
 */
function withCopyRoute(app) {
  const copy = /^\/storage\/v1(\/b\/[^/]+\/o\/[^/]+\/(rewriteTo|copyTo)\/)/;
  return (req, res) => {
    req.url = req.url.replace(copy, "$1");
    app(req, res);
  };
}

/** The storage emulator without its rules runtime (Java), blobs kept in dataDir. */
class GcsEmulator extends StorageEmulator {
  async start() {
    this._app = await createApp(this.args.projectId, this);
    const server = http.createServer(withCopyRoute(this._app)).listen(port, HOST);
    this.destroyServer = createDestroyer(server);
    await new Promise((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
  }

  async stop() {
    if (this.destroyServer) await this.destroyServer();
  }

  // Upstream puts every emulator's blobs in one shared directory under the system temp dir and
  // deletes it on stop; a private directory lets several emulators run side by side.
  getPersistenceTmpDir() {
    return dataDir;
  }
}

async function main() {
  const emulator = new GcsEmulator({
    projectId: process.env.GOOGLE_CLOUD_PROJECT || "demo-datamon",
    host: HOST,
    port,
    auto_download: false,
  });
  // The registry is what the emulator asks for its own URL (self links, resumable upload URLs).
  await EmulatorRegistry.start(emulator);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await emulator.stop();
    if (!given) fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.stdout.write(`ready ${port}\n`);
}

main().catch((e) => fail(`cannot start on ${HOST}:${port}: ${e.message}`));
