// The S3 test server: fauxqs (an S3 emulator) on 127.0.0.1:<port>, objects kept in memory.
// Usage: node s3_server.mjs <port>; prints "ready <port>" once it accepts requests and stops on
// SIGTERM. fauxqs is loaded from $DATAMON_SERVERS_DIR/node_modules (scripts/test_servers.sh).
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node s3_server.mjs <port>");
  process.exit(2);
}
const dir = process.env.DATAMON_SERVERS_DIR;
if (!dir) {
  console.error("DATAMON_SERVERS_DIR is not set: it names where fauxqs is installed");
  process.exit(2);
}
const app = join(dir, "node_modules", "fauxqs", "dist", "app.js");
const { startFauxqs } = await import(pathToFileURL(app).href);
const server = await startFauxqs({ port, host: "127.0.0.1", logger: false });
console.log(`ready ${port}`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
