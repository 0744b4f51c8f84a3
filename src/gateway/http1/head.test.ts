import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HttpError, parseHead, type RequestHead } from "./head.js";

/** Parses a head written with "\r\n" line ends (the final empty line left out). */
function parse(text: string, names: string[] = []): RequestHead | HttpError {
  const buf = Buffer.from(text, "latin1");
  return parseHead(buf, 0, buf.length, 100, names);
}

function ok(text: string): RequestHead {
  const h = parse(text);
  if (h instanceof HttpError) assert.fail(`refused (${h.status} ${h.reason}): ${JSON.stringify(text)}`);
  return h;
}

function refused(text: string): number {
  const h = parse(text);
  assert.ok(h instanceof HttpError, `accepted: ${JSON.stringify(text)}`);
  return h.status;
}

const H = "Host: example.com";

describe("parseHead: request line", () => {
  test("origin-form, HTTP/1.1 and HTTP/1.0", () => {
    const h = ok(`POST /a/b%20c?x=1&y HTTP/1.1\r\n${H}`);
    assert.equal(h.method, "POST");
    assert.equal(h.url, "/a/b%20c?x=1&y");
    assert.equal(h.minor, 1);
    assert.equal(h.keepAlive, true);
    const old = ok("GET / HTTP/1.0");
    assert.equal(old.minor, 0);
    assert.equal(old.keepAlive, false);
  });

  test("any token is a method; other methods' syntax is refused", () => {
    assert.equal(ok(`PROPFIND / HTTP/1.1\r\n${H}`).method, "PROPFIND");
    assert.equal(ok(`M-SEARCH~! / HTTP/1.1\r\n${H}`).method, "M-SEARCH~!");
    for (const line of ["G(T / HTTP/1.1", "GE\u00c9T / HTTP/1.1", " GET / HTTP/1.1", "/ HTTP/1.1"]) assert.equal(refused(`${line}\r\n${H}`), 400, line);
  });

  test("single spaces only, a valid target, an exact version", () => {
    for (const line of [
      "GET  / HTTP/1.1",
      "GET / HTTP/1.1 ",
      "GET /  HTTP/1.1",
      "GET\t/ HTTP/1.1",
      "GET / x HTTP/1.1",
      "GET / http/1.1",
      "GET / HTTP/1.1x",
      "GET / HTTP/11",
      "GET / HTTP/1.10",
      "GET / HTTP/1.",
      "GET /",
      "GET",
      "GET /a#frag HTTP/1.1",
      "GET /caf\u00e9 HTTP/1.1",
      "GET a/b HTTP/1.1",
      "GET * HTTP/1.1",
      "GET //user@host/ HTTP/1.1x",
    ]) {
      assert.equal(refused(`${line}\r\n${H}`), 400, line);
    }
    assert.equal(refused(`GET / HTTP/2.0\r\n${H}`), 505);
    assert.equal(refused(`GET / HTTP/3.0\r\n${H}`), 505);
    assert.equal(refused(`GET / HTTP/0.9\r\n${H}`), 505);
    assert.equal(refused(`PRI * HTTP/2.0\r\n${H}`), 505);
  });

  test("a later HTTP/1.x minor version is served as HTTP/1.1 (RFC 9110 §2.5)", () => {
    for (const v of ["1.2", "1.9"]) {
      const h = ok(`GET / HTTP/${v}\r\n${H}`);
      assert.equal(h.minor, 1, v);
      assert.equal(h.keepAlive, true, v);
      // As in 1.1: Host is required, chunked framing understood.
      assert.equal(refused(`GET / HTTP/${v}\r\nX-A: 1`), 400, v);
      assert.equal(ok(`POST / HTTP/${v}\r\n${H}\r\nTransfer-Encoding: chunked`).chunked, true, v);
    }
    assert.equal(ok(`GET / HTTP/1.0\r\n${H}`).minor, 0);
  });

  test("asterisk-form for OPTIONS; CONNECT is not served", () => {
    assert.equal(ok(`OPTIONS * HTTP/1.1\r\n${H}`).url, "*");
    assert.equal(refused(`CONNECT example.com:443 HTTP/1.1\r\n${H}`), 501);
  });

  test("absolute-form becomes origin-form when its authority is the Host", () => {
    assert.equal(ok("GET http://Example.com/p?q=1 HTTP/1.1\r\nHost: example.com").url, "/p?q=1");
    assert.equal(ok("GET https://example.com HTTP/1.1\r\nHost: example.com").url, "/");
    assert.equal(ok("GET http://example.com?q HTTP/1.1\r\nHost: example.com").url, "/?q");
    assert.equal(refused("GET http://other.example/p HTTP/1.1\r\nHost: example.com"), 400);
    assert.equal(refused("GET http://user@example.com/p HTTP/1.1\r\nHost: example.com"), 400);
    assert.equal(refused("GET ftp://example.com/p HTTP/1.1\r\nHost: example.com"), 400);
  });
});

describe("parseHead: header fields", () => {
  test("names keep their case in rawHeaders; values lose surrounding SP/HTAB only", () => {
    const h = ok(`GET / HTTP/1.1\r\nHOST: example.com\r\nX-Amz-Date:20150830T123600Z \t\r\nx-empty:\r\nX-Inner: a \t b\r\nX-Nbsp: \u00a0x\u00a0`);
    assert.deepEqual(h.rawHeaders, ["HOST", "example.com", "X-Amz-Date", "20150830T123600Z", "x-empty", "", "X-Inner", "a \t b", "X-Nbsp", "\u00a0x\u00a0"]);
    assert.equal(h.headers["host"], "example.com");
    assert.equal(h.headers["x-amz-date"], "20150830T123600Z");
    assert.equal(h.headers["x-empty"], "");
    // obs-text is kept byte for byte (read as latin1), as node reads it.
    assert.equal(h.headers["x-nbsp"], "\u00a0x\u00a0");
  });

  test("repeated fields merge as node merges them", () => {
    const h = ok(
      [
        "GET / HTTP/1.1",
        H,
        "Content-Type: a",
        "content-type: b",
        "User-Agent: ua1",
        "User-Agent: ua2",
        "Authorization: first",
        "Authorization: second",
        "X-Amz-Meta: 1",
        "x-amz-meta: 2",
        "X-Amz-Meta: ",
        "Date: d1",
        "Date: d2",
        "Cookie: a=1",
        "Cookie: b=2",
        "Set-Cookie: s1",
        "Set-Cookie: s2",
        "Constructor: c",
        "__proto__: p",
        "toString: t",
      ].join("\r\n"),
    );
    assert.deepEqual(
      { ...h.headers },
      {
        host: "example.com",
        "content-type": "a",
        "user-agent": "ua1",
        authorization: "first",
        "x-amz-meta": "1, 2, ",
        date: "d1, d2",
        cookie: "a=1; b=2",
        "set-cookie": ["s1", "s2"],
        constructor: "c",
        tostring: "t",
      },
    );
    assert.equal(h.rawHeaders.length, 38);
    // Nothing inherited: a missing field is missing, whatever its name.
    assert.equal(h.headers["hasownproperty"], undefined);
    assert.equal(h.headers["valueOf"], undefined);
  });

  test("field names are tokens: whitespace before the colon, obs-fold, empty names and lines without a colon are refused", () => {
    for (const line of ["Transfer-Encoding : chunked", "X-A\t: 1", " X-Folded: 1", "\tX-Folded: 1", ": empty", "NoColon", "X(A): 1", "X\u00e9: 1", "X A: 1"]) {
      assert.equal(refused(`POST / HTTP/1.1\r\n${H}\r\n${line}`), 400, line);
    }
    // obs-fold continuing a field.
    assert.equal(refused(`GET / HTTP/1.1\r\n${H}\r\nX-A: 1\r\n 2`), 400);
    // Whitespace between the request line and the first field.
    assert.equal(refused(`GET / HTTP/1.1\r\n ${H}`), 400);
  });

  test("control characters, DEL, bare CR and bare LF are refused anywhere in the head", () => {
    for (const bad of ["\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\u001f", "\u007f", "\r", "\n"]) {
      assert.equal(refused(`GET / HTTP/1.1\r\n${H}\r\nX-A: a${bad}b`), 400, JSON.stringify(bad));
      assert.equal(refused(`GET /${bad} HTTP/1.1\r\n${H}`), 400, JSON.stringify(bad));
    }
    assert.equal(refused(`GET / HTTP/1.1\n${H}`), 400);
    assert.equal(refused(`GET / HTTP/1.1\r\n${H}\nX-A: 1`), 400);
    assert.equal(refused(`GET / HTTP/1.1\r\r\n${H}`), 400);
    // HTAB is allowed inside values.
    assert.equal(ok(`GET / HTTP/1.1\r\n${H}\r\nX-A: a\tb`).headers["x-a"], "a\tb");
  });

  test("header count is bounded (431)", () => {
    const many = Array.from({ length: 100 }, (_, i) => `X-${i}: v`);
    assert.equal(refused(`GET / HTTP/1.1\r\n${H}\r\n${many.join("\r\n")}`), 431);
    assert.ok(ok(`GET / HTTP/1.1\r\n${H}\r\n${many.slice(0, 99).join("\r\n")}`));
  });

  test("Host: required in HTTP/1.1, at most one, and well-formed", () => {
    assert.equal(refused("GET / HTTP/1.1\r\nX-A: 1"), 400);
    assert.equal(refused(`GET / HTTP/1.1\r\n${H}\r\n${H}`), 400);
    for (const host of ["a b", "a/b", "a@b", "a:b:c", "[::1", "a?b"]) assert.equal(refused(`GET / HTTP/1.1\r\nHost: ${host}`), 400, host);
    for (const host of ["example.com", "127.0.0.1:4566", "[::1]:4566", "localhost:", "xn--bcher-kva.example", ""]) assert.ok(ok(`GET / HTTP/1.1\r\nHost: ${host}`), host);
    assert.ok(ok("GET / HTTP/1.0"));
  });
});

describe("parseHead: framing", () => {
  const post = (fields: string) => `POST / HTTP/1.1\r\n${H}\r\n${fields}`;

  test("Content-Length: digits only; equal duplicates are one length; anything else is refused", () => {
    assert.equal(ok(post("Content-Length: 5")).contentLength, 5);
    assert.equal(ok(post("Content-Length: 005")).contentLength, 5);
    assert.equal(ok(post("Content-Length: 5\r\nContent-Length: 5")).contentLength, 5);
    assert.equal(ok(post("Content-Length: 5, 5")).contentLength, 5);
    assert.equal(ok(post("X-A: 1")).contentLength, -1);
    for (const cl of ["-1", "+5", "0x10", "1e3", "5.0", "5 5", "", "five", "5, 6", "5,", " ,5, x"]) {
      assert.equal(refused(post(`Content-Length: ${cl}`)), 400, cl);
    }
    assert.equal(refused(post("Content-Length: 5\r\nContent-Length: 6")), 400);
  });

  test("Content-Length: a numeral of any size is a length (past 15 significant digits, larger than any body), never a parse error", () => {
    assert.equal(ok(post("Content-Length: 999999999999999")).contentLength, 999_999_999_999_999);
    assert.equal(ok(post("Content-Length: 00000000000000005")).contentLength, 5);
    assert.equal(ok(post("Content-Length: 0000000000000000000")).contentLength, 0);
    for (const cl of ["1234567890123456", "18446744073709551616", "9".repeat(40), "0001234567890123456", "1234567890123456, 1234567890123456"]) {
      assert.equal(ok(post(`Content-Length: ${cl}`)).contentLength, Infinity, cl);
    }
    assert.equal(ok(post("Content-Length: 1234567890123456\r\nContent-Length: 01234567890123456")).contentLength, Infinity);
    // Different large lengths still conflict.
    assert.equal(refused(post("Content-Length: 1234567890123456\r\nContent-Length: 1234567890123457")), 400);
    assert.equal(refused(post("Content-Length: 1234567890123456, 5")), 400);
    assert.equal(refused(post("Content-Length: 5\r\nContent-Length: 1234567890123456")), 400);
  });

  test("Transfer-Encoding: only chunked, final, once; never with Content-Length or in HTTP/1.0", () => {
    assert.equal(ok(post("Transfer-Encoding: chunked")).chunked, true);
    assert.equal(ok(post("Transfer-Encoding: Chunked")).chunked, true);
    assert.equal(ok(post("Transfer-Encoding:\tchunked\t")).chunked, true);
    assert.equal(ok(post("Transfer-Encoding: ,chunked")).chunked, true);
    for (const te of ["chunked, identity", "identity", "xchunked", "chunked, chunked", "chunkedx", '"chunked"', "chunked;q=1", "", "chunked\u000b", "\u000bchunked"]) {
      assert.equal(refused(post(`Transfer-Encoding: ${te}`)), 400, te);
    }
    assert.equal(refused(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity")), 400);
    assert.equal(refused(post("Transfer-Encoding: gzip, chunked")), 501);
    assert.equal(refused(post("Transfer-Encoding: chunked\r\nContent-Length: 5")), 400);
    assert.equal(refused(post("Content-Length: 5\r\nTransfer-Encoding: chunked")), 400);
    assert.equal(refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked"), 400);
  });

  test("Connection and keep-alive", () => {
    assert.equal(ok(`GET / HTTP/1.1\r\n${H}\r\nConnection: close`).keepAlive, false);
    assert.equal(ok(`GET / HTTP/1.1\r\n${H}\r\nConnection: Upgrade, CLOSE`).keepAlive, false);
    assert.equal(ok(`GET / HTTP/1.1\r\n${H}\r\nConnection: keep-alive`).keepAlive, true);
    assert.equal(ok("GET / HTTP/1.0\r\nConnection: Keep-Alive").keepAlive, true);
    assert.equal(ok("GET / HTTP/1.0\r\nConnection: keep-alive, close").keepAlive, false);
    assert.equal(refused(`GET / HTTP/1.1\r\n${H}\r\nConnection: a b`), 400);
  });

  test("Expect: 100-continue in HTTP/1.1 only; any other expectation is 417", () => {
    assert.equal(ok(post("Expect: 100-continue\r\nContent-Length: 5")).expectContinue, true);
    assert.equal(ok(post("Expect: 100-Continue\r\nContent-Length: 5")).expectContinue, true);
    assert.equal(ok("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5").expectContinue, false);
    assert.equal(refused(post("Expect: 200-ok")), 417);
    assert.equal(refused(post("Expect: 100-continue, x")), 417);
  });
});

describe("parseHead: remembered field names", () => {
  test("a name at its remembered position is reused; a different one replaces it", () => {
    const names: string[] = [];
    const first = parse(`GET / HTTP/1.1\r\n${H}\r\nX-Amz-Date: 1\r\nX-B: 2`, names) as RequestHead;
    assert.deepEqual(names, ["Host", "host", "X-Amz-Date", "x-amz-date", "X-B", "x-b"]);
    const second = parse(`GET / HTTP/1.1\r\n${H}\r\nX-Amz-Dat: 1\r\nX-B: 2\r\nX-C:3`, names) as RequestHead;
    assert.deepEqual(second.rawHeaders, ["Host", "example.com", "X-Amz-Dat", "1", "X-B", "2", "X-C", "3"]);
    assert.deepEqual({ ...second.headers }, { host: "example.com", "x-amz-dat": "1", "x-b": "2", "x-c": "3" });
    // A remembered name that is only a prefix of the field's name does not match.
    const third = parse(`GET / HTTP/1.1\r\n${H}\r\nX-Amz-Date-2: 1`, names) as RequestHead;
    assert.deepEqual(third.rawHeaders, ["Host", "example.com", "X-Amz-Date-2", "1"]);
    // A remembered name is not taken for a line where it is followed by whitespace before the colon.
    assert.equal(parse(`GET / HTTP/1.1\r\n${H}\r\nX-Amz-Date-2 : 1`, names) instanceof HttpError, true);
    assert.ok(first);
  });
});
