/**
 * Responses the load balancer itself generates, shaped like an Application Load Balancer's:
 * a tiny HTML page, `Server: awselb/2.0`, and the connection closed where ALB closes it.
 */
import type { ServerResponse } from "node:http";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  405: "Method Not Allowed",
  408: "Request Time-out",
  413: "Request Entity Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

export function reasonOf(status: number): string {
  return REASONS[status] ?? "Error";
}

/** The page body for `status` (precomputed: these are sent under load). */
const PAGES = new Map<number, Buffer>(
  Object.entries(REASONS).map(([s, r]) => [
    Number(s),
    Buffer.from(`<html>\r\n<head><title>${s} ${r}</title></head>\r\n<body>\r\n<center><h1>${s} ${r}</h1></center>\r\n</body>\r\n</html>\r\n`, "latin1"),
  ]),
);

export function errorPage(status: number): Buffer {
  return PAGES.get(status) ?? Buffer.from(`<html><body><h1>${status}</h1></body></html>\r\n`, "latin1");
}

/** Raw HTTP/1.1 response bytes, for sockets the HTTP server has not parsed a request on. */
export function rawErrorResponse(status: number): Buffer {
  const body = errorPage(status);
  return Buffer.concat([
    Buffer.from(
      `HTTP/1.1 ${status} ${reasonOf(status)}\r\nServer: awselb/2.0\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      "latin1",
    ),
    body,
  ]);
}

/** Sends an ALB error page unless a response already started (then the connection is cut). */
export function sendErrorPage(res: ServerResponse, status: number, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorPage(status);
  const headers: Record<string, string | number> = { server: "awselb/2.0", "content-type": "text/html", "content-length": body.length };
  if (close) headers.connection = "close";
  res.writeHead(status, reasonOf(status), headers);
  res.end(res.req.method === "HEAD" ? undefined : body);
}
