// A bare node:http(s) server that answers every request with the fixed bytes of a real
// response: the baseline the authenticated, authorised, audited path is compared with.
// usage: node bench/bare-server.mjs <port> <response-file> [https-cert.pem https-key.pem]
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";

const [port, file, cert, key] = process.argv.slice(2);
const { status, headers, body } = JSON.parse(readFileSync(file, "utf8"));
const bytes = Buffer.from(body, "base64");
const handler = (req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    res.writeHead(status, { ...headers, "content-length": String(bytes.length) });
    res.end(bytes);
  });
};
const server = cert ? https.createServer({ cert: readFileSync(cert), key: readFileSync(key), minVersion: "TLSv1.2" }, handler) : http.createServer(handler);
server.keepAliveTimeout = 65_000;
server.listen(Number(port), "127.0.0.1", () => process.stdout.write(`bare server on ${port}\n`));
