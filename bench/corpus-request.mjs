// The InspectedRequest the WAF engine sees for one line of ../shared/waf-corpus, built once per
// line; every call of the returned function gives a fresh request object (own headers array,
// new request id), as every request through a listener is.
//
// - listener: as the listener's inspectRequest builds it (httpVersion "HTTP/1.1", client
//   127.0.0.1, body cut at the web ACL's inspection limit);
// - otherwise as bench/waf-accuracy.mjs evaluates it ("1.1", client 203.0.113.10, the whole body).
// Header values are the UTF-8 bytes of the corpus text read as latin1, as node's parser gives
// them; Host and Content-Length are added the way replay.mjs adds them on the wire.
let seq = 0;

export function corpusRequestFactory(t, { listener = false, inspectionLimit = 8 * 1024 } = {}) {
  const full = t.body_b64 ? Buffer.from(t.body_b64, "base64") : Buffer.from(t.body ?? "", "utf8");
  const headers = Object.entries(t.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "utf8").toString("latin1")]);
  if (!headers.some(([k]) => k.toLowerCase() === "host")) headers.push(["Host", "localhost"]);
  if (full.length > 0 && !headers.some(([k]) => k.toLowerCase() === "content-length")) headers.push(["Content-Length", String(full.length)]);
  const q = t.uri.indexOf("?");
  const cl = headers.find(([k]) => k.toLowerCase() === "content-length");
  const bodyLength = cl ? Math.max(Number(cl[1]) || 0, full.length) : full.length;
  const body = listener && full.length > inspectionLimit ? full.subarray(0, inspectionLimit) : full;
  return () => ({
    requestId: `r-${++seq}`,
    time: Date.now(),
    method: t.method,
    uri: t.uri,
    path: q < 0 ? t.uri : t.uri.slice(0, q),
    query: q < 0 ? "" : t.uri.slice(q + 1),
    httpVersion: listener ? "HTTP/1.1" : "1.1",
    headers: headers.map(([k, v]) => [k, v]),
    body,
    bodyTruncated: bodyLength > body.length,
    bodyLength,
    clientIp: listener ? "127.0.0.1" : "203.0.113.10",
    scheme: "http",
  });
}
