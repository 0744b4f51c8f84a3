import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSqli } from "./sqli.js";
import { detectSqliExtended } from "./sqli-extended.js";
import { detectXss } from "./xss.js";

// Structures the SQL grammar recognises beyond the classic breakouts (see detectors.test.ts).
const SQLI = [
  "or '[3,4]'::jsonb ? '3'",
  "'{\"a\":{\"b\":1}}'::json #>> '{a,b}'",
  "id::text",
  "concat_ws(0x3a,user(),version())",
  "group_concat(",
  "x' or json_valid('{}')--",
  "bob@example.com';",
  "CASE WHEN 1=1 THEN 1 ELSE 0 END",
  "SELECT name ORDER BY 2",
  "select pg_sleep",
  "AND (SELECT 1)=1",
];
const SQLI_BENIGN = ["Compress (zip) the folder", "std::vector is a C++ container", "He said 'hi';", "In case when it rains then we stay home", "or something else", "As seen from the window", "Rand (the currency)"];
const EXTENDED = ["$where", "pw[$ne]", "{\"$gt\": \"\"}", "1.e(select 1)", "2 AS total FROM orders"];
const EXTENDED_BENIGN = ["$5 off", "price[min]", "1.5e3", "such as phones from Apple"];
const XSS = [
  "<svg><animate onbegin=alert(1) attributeName=x>",
  "ja\tvas\ncript:alert(1)",
  "+ADw-img src=x onerror=alert(1)+AD4-",
  "top['alert'](1)",
  "document/**/.cookie",
  "[][(![]+[])[+[]]]",
  "x=\"\" autofocus onfocus=\"alert(1)",
  "<x:script>a()</x:script>",
  "< s c r i p t >",
  "<math><maction xlink:href=\"javascript:alert(1)\">x</maction></math>",
  "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/hosts\">]>",
  "'-confirm`1`-'",
];
const XSS_BENIGN = ["Learn javascript: the good parts.", "Please confirm (by email)", "5 < 6 > 4", "<b>bold</b>", "<a href=\"/about\">About</a>", "Tom & Jerry", "mama мама место", "onboarding=done", "Set the flag online=true"];

for (const a of SQLI) test(`SQLi structure detected: ${a}`, () => assert.equal(detectSqli(a), true));
for (const b of SQLI_BENIGN) test(`SQLi benign: ${b}`, () => assert.equal(detectSqli(b), false));
for (const a of EXTENDED) test(`SQLi extended pattern detected: ${a}`, () => assert.equal(detectSqliExtended(a), true));
for (const b of EXTENDED_BENIGN) test(`SQLi extended benign: ${b}`, () => assert.equal(detectSqliExtended(b), false));
for (const a of XSS) test(`XSS detected: ${JSON.stringify(a)}`, () => assert.equal(detectXss(a), true));
for (const b of XSS_BENIGN) test(`XSS benign: ${JSON.stringify(b)}`, () => assert.equal(detectXss(b), false));
