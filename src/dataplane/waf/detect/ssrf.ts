/**
 * Server-side request forgery: a value that names a URL on the server's own side of the
 * network — loopback names and addresses (in every notation a URL parser accepts:
 * decimal, hex, octal, IPv6, IPv4-mapped), container and cluster-internal names, cloud
 * instance-metadata endpoints, wildcard-DNS names that resolve to 127.0.0.1 — and URL
 * schemes that reach local resources (file:, gopher:, dict:, data: with non-image content).
 * A value counts as a URL when it has a scheme, or a host followed by a path or port.
 */

const INTERNAL_NAMES = /^(?:localhost(?:\.localdomain)?|localhost[46](?:\.localdomain[46])?|ip6-(?:localhost|loopback)|ipv6-(?:localhost|loopback)|[\w.-]*\.internal|[\w.-]*\.cluster\.local|[\w.-]*\.svc|(?:[\w-]+\.)*(?:localtest\.me|lvh\.me|vcap\.me|lacolhost\.com|127\.0\.0\.1\.(?:nip|sslip)\.io)|metadata(?:\.google\.internal)?|metadata\.packet\.net|instance-data(?:\.ec2\.internal)?|169\.254\.169\.254|169\.254\.170\.2|100\.100\.100\.200)$/i;

/** Parses a dotted, decimal, hex or octal IPv4 literal the way URL parsers do. */
function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]+$/i.test(p)) n = parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p, 8);
    else if (/^\d+$/.test(p)) n = Number(p);
    else return undefined;
    nums.push(n);
  }
  const last = nums.pop() as number;
  const bytes = [...nums];
  let rest = last;
  const tail: number[] = [];
  for (let k = 0; k < 4 - nums.length; k++) {
    tail.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  }
  return [...bytes, ...tail];
}

function internalIp(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h.includes(":")) return /^(?:0*:)*:?0*1$|^::$|^::ffff:(?:127\.|7f|169\.254\.|a9fe)|^fe80:|^fd00:ec2::254$/.test(h);
  const b = ipv4(h);
  if (!b || b.length !== 4) return false;
  const [a, c] = b as [number, number];
  return a === 127 || (a === 0 && b.every((x) => x === 0)) || (a === 169 && c === 254) || (a === 100 && c === 100 && b[2] === 100);
}

const URLISH = /(?:^|[\s"'=(,;])(?:([a-z][\w+.-]{1,15}):(?:\/\/)?)?(?:[^\s@/?#"']*@)?(\[[0-9a-f:.]+\]|[\w.-]+)(?::\d{1,5})?(?=[/?#]|:\d|$|["'\s)])/gi;

/** True when `input` is (or contains) a URL that points inside the server's own network. */
export function detectSsrf(input: string): boolean {
  if (input.length < 5 || (input.indexOf(":") < 0 && input.indexOf("/") < 0)) return false;
  const s = input.length > 4096 ? input.slice(0, 4096) : input;
  if (/^\s*(?:file|gopher|dict|ldap|tftp|jar|netdoc|expect):/i.test(s)) return true;
  if (/^\s*data:(?!image\/)[\w.+-]+\/[\w.+-]+/i.test(s)) return true;
  // Apache mod_proxy "unix:socket|http://…" targets (a local socket behind a URL).
  if (/\bunix:[^|\s]*\|\s*[a-z][\w+.-]*:\/\//i.test(s)) return true;
  URLISH.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URLISH.exec(s)) !== null) {
    const scheme = m[1];
    const host = m[2] as string;
    const after = s.slice(m.index + m[0].length, m.index + m[0].length + 1);
    // Without a scheme, only "host/…" or "host:port" reads as a URL.
    if (scheme === undefined && after !== "/" && after !== ":" && !/:\d/.test(m[0])) continue;
    if (scheme !== undefined && !/^(?:https?|ftp|wss?|gopher|dict|ldap|tftp|file|jar)$/i.test(scheme)) continue;
    if (INTERNAL_NAMES.test(host)) return true;
    // A bare number is only an address inside a URL with a scheme ("10:30" is a time).
    if ((scheme !== undefined || /^\d{1,3}(?:\.\d{1,3}){3}$|^\[/.test(host)) && internalIp(host)) return true;
    if (m[0].length === 0) URLISH.lastIndex++;
  }
  return false;
}
