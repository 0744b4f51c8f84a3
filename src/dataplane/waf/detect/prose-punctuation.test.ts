import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSqli } from "./sqli.js";
import { detectSqliExtended } from "./sqli-extended.js";
import { detectUnixShell } from "./shell.js";

// Ordinary prose with quotes, parentheses and semicolons (licence texts, documentation,
// comments) next to the injections it resembles: what follows the quote, the parenthesis
// or the semicolon decides.
const CLASSES: Array<[string, (s: string) => boolean, string[], string[]]> = [
  [
    "quote and parenthesis closed, then a boolean or a terminator",
    detectSqli,
    ["admin\"); DROP TABLE users; --", "1') AND 1=1-- x", "x\") or (\"a\"=\"a", "1'); exec master..xp_cmdshell 'dir'--", "test');", "define('x', 'sys' . 'tem');(x)('uname')", "admin'); #"],
    [
      'Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except in compliance with the License.',
      'royalties for any phonorecord You create from the Work ("cover version") and distribute, subject to the compulsory license',
      "To do this, stop sshd ('service ssh stop'), add the following line to /etc/inittab",
      '# Licensed under the Apache License, Version 2.0 (the "License"); # you may not use this file except in compliance with the License.',
    ],
  ],
  [
    "SQL verbs in sentences",
    detectSqli,
    ["1; DELETE FROM users", "'; insert into users values (1,'a')--", "1; drop table users--", "'; create table t(a int)--", "' union (select 1,2)--", "1' and select 1 from dual--", "exec  (blah)"],
    [
      "no patent license is granted: 1) for code that You delete from the Original Code; 2) separate from the Original Code;",
      "If this flag is used, man will automatically create index files for new directories.",
      "To enable the new locales, just run 'dpkg-reconfigure locales' and select the new locale.",
      "except (i) as required by this licence, (ii) to acknowledge the contribution(s) of the Copyright Holder(s)",
      "you will need to do so in the program exec()ed by ssh-agent.",
      "The API reference is located in directory `docs/reference`; use the file index.html there.",
    ],
  ],
  [
    "hyphenated names next to AND / OR",
    detectSqli,
    ["1 and 1-1", "1 or 2*3"],
    ["Commercial implementations of MPEG-1 and MPEG-2 video are subject to royalty fees.", "License: CC-BY-SA-3.0 or LGPL-3 This work is licenced under the terms of either licence."],
  ],
  [
    "a quote opening an option or a doc comment",
    detectSqli,
    ["admin'--", "1'--", "'-- -", "x' #", "1'/*"],
    ["All of these programs except 'test' recognize the '--version' option.", "Disabling the des hash algorithm implies `--disable-obsolete-api`.", "You can contact us via IRC at `#pkgconf` at `irc.oftc.net`.", "It only processes the comment block starting ``/**``."],
  ],
  [
    "extended patterns: stacked statements, English function names, comments",
    detectSqliExtended,
    ["1; alter table users add x int", "'; select pg_sleep(5)--", "1 and sleep(5)", "1 and sleep (5)", "benchmark(5000000,md5(1))", "union select database()", "x'/**/or/**/1=1", "admin'-- -", "' or 1=1--"],
    [
      "Here is a sample; alter the names: Yoyodyne, Inc., hereby disclaims all copyright interest.",
      "Conditions apply; select the plan that suits you; update the form and delete the draft.",
      "confer exclusive Copyright and Related Rights upon the creator of a database (defined below).",
      "The packages dh-sysuser, opensysusers, and systemd-sysusers already offer this.",
      "It only processes the comment block starting ``/**``.",
      "| node1 | | node2 | `---------' `---------' Data Center 1",
    ],
  ],
  [
    "shell: quoted words and program names in sentences",
    detectUnixShell,
    ["'whoami'", "w'h'o'am'i", "\"c\"at /etc/passwd", ";'id'", "strace -p 1", "chmod 777 shell.php", "useradd hacker"],
    [
      '"Source" form shall mean the preferred form for making modifications, including but not limited to software source code.',
      '"Find" means the search feature; "Time" means the clock.',
      "strace is free software; you can redistribute it and/or modify it under the terms of the GNU LGPL.",
    ],
  ],
];

for (const [name, detect, attacks, benign] of CLASSES) {
  test(`prose punctuation, ${name}: attacks are flagged`, () => {
    for (const s of attacks) assert.equal(detect(s), true, s);
  });
  test(`prose punctuation, ${name}: prose passes`, () => {
    for (const s of benign) assert.equal(detect(s), false, s);
  });
}
