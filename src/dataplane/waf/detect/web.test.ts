import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSsrf } from "./ssrf.js";
import { detectRfi, detectRfiParameter } from "./rfi.js";
import { detectLdap } from "./ldap.js";
import { detectTraversal, detectSensitivePath } from "./traversal.js";
import { detectRiskyFileName, normaliseFileName } from "./upload.js";

const cases: Array<[string, (s: string) => boolean, string[], string[]]> = [
  [
    "SSRF",
    detectSsrf,
    ["http://127.1/admin", "http://[::1]:8080/", "http://0x7f000001/", "http://017700000001/", "gopher://10.0.0.1:6379/_", "api.internal/v1", "http://metadata.google.internal/computeMetadata/v1/", "file:///etc/hosts", "http://my-svc.default.svc.cluster.local/", "unix:/run/app.sock|http://x/"],
    ["https://example.com/a", "10:30", "version 1.2.3.4", "see localhost docs", "data:image/png;base64,iVBO", "call 127 0 0 1"],
  ],
  ["RFI", detectRfi, ["http://198.51.100.7/shell.txt", "https://[2001:db8::1]/x.php", "ftp://203.0.113.9/a?", "http?"], ["https://example.com/page", "http is a protocol", "https://cdn.example.net/app.js"]],
  ["LDAP", detectLdap, ["*)(cn=*", "admin)(|(password=*))", "x)(!(objectClass=*)", "y)&(uid=root"], ["(555) 123-4567", "(see above)(and below)", "(&(objectClass=user)(cn=bob))", "smile :)"]],
  ["traversal", detectTraversal, ["../../etc/hosts", "..\\..\\windows\\win.ini", "\xc0\xae\xc0\xae/secret", "..;/admin", "0x2e0x2e/0x2e0x2e/x", "/static/../../app.py", "..\xe2\x88\x95..\xe2\x88\x95boot.ini", "..\xe2\x88\x96..\xe2\x88\x96x"], ["1.2.3", "wait... what", "v1..v2", "file.tar.gz", "a \xe2\x88\x95 b", "1..\xe2\x88\x95"]],
  ["sensitive path", detectSensitivePath, ["/proc/self/environ", "/home/bob/.ssh/id_rsa", "/.git/config", "/app/.aws/credentials", "/.cursor/rules.md", "C:\\Windows\\System32\\config\\SAM"], ["/.well-known/acme-challenge/x", "/etc-products/list", "/images/proc.png", "/docs/git-basics"]],
  ["upload name", detectRiskyFileName, ["shell.php5", "a.jsp ", "x.aspx::$DATA", "inv.php\0.jpg", ".htaccess", "web.config", "sess_0123456789abcdefghij", "photo. phtml", "C:\\fake\\up.asp;.jpg", "wp-config.php.bak"], ["IMG_0042.JPG", "report.pdf", "notes & ideas.txt", "O'Brien contract.docx", "config.json", "script.py"]],
];
for (const [name, fn, attacks, benign] of cases) {
  for (const a of attacks) test(`${name} detected: ${JSON.stringify(a)}`, () => assert.equal(fn(a), true));
  for (const b of benign) test(`${name} benign: ${JSON.stringify(b)}`, () => assert.equal(fn(b), false));
}

test("RFI through a parameter that names a path to load", () => {
  assert.equal(detectRfiParameter("tpl_path", "http://evil.example/x.txt"), true);
  assert.equal(detectRfiParameter("cfg[include]", "https://evil.example/x"), true);
  assert.equal(detectRfiParameter("return_to", "https://example.com/"), false);
  assert.equal(detectRfiParameter("tpl_path", "themes/default"), false);
});

test("file names are read as the server stores them", () => {
  assert.equal(normaliseFileName("C:\\temp\\a.php. . "), "a.php");
  assert.equal(normaliseFileName("dir/sub/x.jsp\0.png"), "x.jsp");
  assert.equal(normaliseFileName("shell. asp"), "shell.asp");
});
