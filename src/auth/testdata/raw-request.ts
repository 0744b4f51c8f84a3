/**
 * Turns a suite vector's raw HTTP/1.1 text into the SigV4Request the gateway would build from node's
 * IncomingMessage: rawHeaders in arrival order, `headers` merged the way node merges them.
 */
import type { SigV4Request } from "../sigv4-types.js";

export function parseRawRequest(text: string): SigV4Request {
  const headEnd = text.indexOf("\n\n");
  const head = headEnd < 0 ? text : text.slice(0, headEnd);
  const body = headEnd < 0 ? "" : text.slice(headEnd + 2);
  const lines = head.split("\n");
  const requestLine = lines[0] ?? "";
  const sp = requestLine.indexOf(" ");
  const method = requestLine.slice(0, sp);
  // The target may itself contain spaces (get-space): it runs to the last " HTTP/".
  const target = requestLine.slice(sp + 1, requestLine.lastIndexOf(" HTTP/"));
  const q = target.indexOf("?");
  const rawHeaders: string[] = [];
  let lastName = "";
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      // Obsolete line folding: the suite treats each continuation as one more value of the header.
      rawHeaders.push(lastName, line.trim());
      continue;
    }
    const colon = line.indexOf(":");
    lastName = line.slice(0, colon);
    rawHeaders.push(lastName, line.slice(colon + 1).trim());
  }
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? "" : target.slice(q + 1),
    headers: nodeHeaders(rawHeaders),
    rawHeaders,
    body: Buffer.from(body, "utf8"),
  };
}

/** Duplicates dropped by node's IncomingMessage.headers; every other repeat is joined with ", ". */
const SINGLE = new Set(["host", "authorization", "content-type", "content-length", "user-agent", "date", "expires", "from", "referer"]);

export function nodeHeaders(rawHeaders: readonly string[]): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    const prev = out[name];
    if (prev === undefined) out[name] = name === "set-cookie" ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else if (!SINGLE.has(name)) out[name] = prev + ", " + value;
  }
  return out;
}
