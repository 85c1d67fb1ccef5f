// An S3 server that keeps objects on disk: s3rver on 127.0.0.1:<port>, for bench/compare_s3.sh's
// large files. Usage: node s3rver_server.cjs <port> <dir>; prints "ready <port>" once it
// accepts requests and stops on SIGTERM. Signatures are checked against S3RVER / S3RVER.
"use strict";
const path = require("node:path");

const port = Number(process.argv[2]);
const directory = process.argv[3];
const dir = process.env.DATAMON_SERVERS_DIR;
if (!Number.isInteger(port) || port <= 0 || !directory || !dir) {
  console.error("usage: DATAMON_SERVERS_DIR=... node s3rver_server.cjs <port> <dir>");
  process.exit(2);
}
const S3rver = require(path.join(dir, "node_modules", "s3rver"));
const server = new S3rver({ port, address: "127.0.0.1", directory, silent: true });
server.run().then(() => console.log(`ready ${port}`), (e) => {
  console.error(e.message);
  process.exit(2);
});
const stop = () => server.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
