// The API endpoint's HTTP engine alone: every request is parsed (and its body read) by the engine
// and answered through the ApiResponder with the fixed bytes of a real response, without the
// pipeline. Next to bench/bare-server.mjs (node:http(s) answering the same bytes) it shows what the
// engine costs per request.
// usage: npx tsc -p tsconfig.json && node bench/engine-server.mjs <http1|node> <port> <response-file> [https-cert.pem https-key.pem]
import { readFileSync } from "node:fs";

const [engine, port, file, cert, key] = process.argv.slice(2);
const dist = new URL("../dist/src/gateway/", import.meta.url);
const { status, headers, body } = JSON.parse(readFileSync(file, "utf8"));
const bytes = Buffer.from(body, "base64");
const onRequest = (_req, res) => res.send(status, headers, bytes);
const options = {
  host: "127.0.0.1",
  port: Number(port),
  maxBodyBytes: 10 * 1024 * 1024,
  onRequest,
  ...(cert ? { tls: { certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") } } : {}),
};
const listener =
  engine === "node"
    ? await (await import(new URL("node-listener.js", dist).href)).startNodeListener(options)
    : await (await import(new URL("http1/listener.js", dist).href)).startHttp1Listener(options);
process.stdout.write(`${engine} engine on ${listener.url}\n`);
