/**
 * A header value the listener writes (a WAF custom response header, an inserted request header)
 * in the form node:http sends as is: header strings go on the wire as latin1, and node throws on
 * characters past U+00FF, so a value's UTF-8 bytes are passed one latin1 character each. node
 * also refuses control characters other than HTAB (the model's ".*" allows them): undefined, the
 * header is left out, rather than a response that can never be written.
 */
export function wireHeaderValue(v: string): string | undefined {
  if (/^[\t\x20-\x7e]*$/.test(v)) return v;
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(v)) return undefined;
  return Buffer.from(v, "utf8").toString("latin1");
}
