import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSqli } from "./sqli.js";
import { detectXss } from "./xss.js";

const SQLI_ATTACKS = [
  "1' OR '1'='1",
  "1 OR 1=1",
  "admin'--",
  "' UNION SELECT username, password FROM users--",
  "1; DROP TABLE users",
  "'; WAITFOR DELAY '0:0:5'--",
  "1' AND SLEEP(5)#",
  "foo') UNION ALL select NULL --",
  "1 AND (SELECT COUNT(*) FROM information_schema.tables)>0",
  "-1839\" or \"1\"=\"2",
  "1'||(select extractvalue(1,concat(0x7e,version())))||'",
  "-1 union/**/select 1,2,3",
];
const SQLI_BENIGN = ["O'Brien", "select a plan", "1 < 2", "Men's shoes", "don't starve together", "order by date", "union square hotels", "delete my account", "rock & roll", "price < 50", "what is 1+1", "Guns N' Roses tickets", "and/or", "Apt. 4, 77 Select Avenue, Paris", "{\"note\":\"Union Street entrance is closed; use the side gate\"}", "It's #1 in sales"];

for (const a of SQLI_ATTACKS) test(`SQLi detected: ${a}`, () => assert.equal(detectSqli(a), true));
for (const b of SQLI_BENIGN) test(`SQLi benign: ${b}`, () => assert.equal(detectSqli(b), false));

const XSS_ATTACKS = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "<svg/onload=alert(1)>",
  "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
  "<iframe src=\"data:text/html;base64,PHNjcmlwdD4=\">",
  "javascript:alert(document.domain)",
  "\" onmouseover=\"alert(1)",
  "<div style=\"width:expression(alert(1))\">",
  "<body onload=alert(1)>",
  "';alert(String.fromCharCode(88,83,83))//",
];
const XSS_BENIGN = ["1 < 2", "price < 50 and > 10", "<b>bold</b> and <i>italic</i>", "<a href=\"https://example.com/\">link</a>", "Tom & Jerry", "x<y>z", "email@example.com", "I <3 cats"];

for (const a of XSS_ATTACKS) test(`XSS detected: ${a}`, () => assert.equal(detectXss(a), true));
for (const b of XSS_BENIGN) test(`XSS benign: ${b}`, () => assert.equal(detectXss(b), false));
