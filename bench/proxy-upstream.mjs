// The upstream of the proxy benchmark: a bare node:http server answering every request with a
// fixed small body (and /health for the target group's health checks).
// usage: node bench/proxy-upstream.mjs <port> [body-bytes]
import http from "node:http";

const port = Number(process.argv[2] ?? 4650);
const body = Buffer.alloc(Number(process.argv[3] ?? 256), 0x61);
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": String(body.length) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1", () => process.stdout.write(`upstream on ${port}\n`));
