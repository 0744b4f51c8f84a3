import { test } from "node:test";
import assert from "node:assert/strict";
import { detectPhp } from "./php.js";

const ATTACKS = [
  "<?php system($_GET['c']); ?>",
  "<?= `id` ?>",
  "$_POST['x']",
  "passthru('id');",
  "eval(base64_decode('ZWNobyAx'));",
  "('pass'.'thru')('id')",
  "$f='sys'.'tem';$f('id');",
  "O:4:\"User\":1:{s:4:\"name\";s:1:\"a\";}",
  "php://filter/convert.base64-encode/resource=index",
  "${'_'.'GET'}",
  "auto_prepend_file=/tmp/x",
  "str_rot13('flfgrz')",
  "(/**/exec)('id')",
  "[php]phpinfo()[/php]",
  "shell_exec",
];
const BENIGN = ["copy (2 pages)", "The system (Linux) works", "file (pdf) attached", "Hello ${name}", "print the page", "Date: 2024-05-01", "exec summary", "<?xml version=\"1.0\"?><a/>", "price: $5 (USD)", "What does eval mean?"];

for (const a of ATTACKS) test(`PHP injection detected: ${JSON.stringify(a)}`, () => assert.equal(detectPhp(a), true));
for (const b of BENIGN) test(`PHP benign: ${JSON.stringify(b)}`, () => assert.equal(detectPhp(b), false));
