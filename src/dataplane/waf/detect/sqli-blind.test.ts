import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSqli } from "./sqli.js";

// Blind and error-based shapes: a condition decided inside a function call, injections into
// ORDER BY / GROUP BY positions, a value replaced by a parenthesised tautology or subquery,
// clauses appended after a numeric value, stacked calls.
const CLASSES: Array<[string, string[], string[]]> = [
  [
    "condition or subquery inside a call",
    ["1) AND MAKE_SET(42=42,7)-- x", "-5 OR ELT(3=3,9)", "1' IN BOOLEAN MODE) AND GTID_SUBSET(CONCAT('a',(SELECT (ELT(1=1,1))),'b'),1)#", "1 AND 7=LIKE('ABC',UPPER(HEX(RANDOMBLOB(100))))--", "IIF(12=12,1,1/0)"],
    ["max(a=1, b=2)", "if (x = 1) then", "Use count(1) to count rows", "score (5=5)", "(2+2=4)"],
  ],
  [
    "ORDER BY / GROUP BY position",
    ["1 ,IIF(7=7,1,1/0)", "1' ,(SELECT (CASE WHEN (7=7) THEN 1 ELSE 1/(SELECT 0) END))-- x", "1 ,(CASE WHEN 8=8 THEN 1 ELSE NULL END)", "order by 3--", "1\" ;IIF(5=5,1,1/0)"],
    ["1, (select one)", "Order 12, (see note)", "1, if(x, y)", "order by 1", "order by date--"],
  ],
  [
    "parenthesised tautology, CASE or subquery in place of the value",
    ["(31=31)*5", "(CASE WHEN 4=4 THEN 4 ELSE NULL END)", "(SELECT 'a'+(CASE WHEN (4=4) THEN '1' ELSE '0' END)+'b')", "SELECT 'a'||(CASE 6 WHEN 6 THEN 1 ELSE 0 END)||'b' FROM RDB$DATABASE", "1\") (SELECT (CASE WHEN (6=6) THEN 1 ELSE 2 END)) AND (\"x\"=\"x"],
    ["(select all that apply)", "Select 'Save' to continue", "The answer (1=1) is true", "(see below)", "In case when it rains then we stay home"],
  ],
  [
    "clause after a value",
    ["1 HAVING 84=84-- x", "-6\" OR 1 GROUP BY CONCAT('a',FLOOR(RAND(0)*2)) HAVING MIN(0)#", "1\") WHERE 31=31 AND 'a'=REGEXP_SUBSTRING(REPEAT(RIGHT(CHAR(31),0),500),NULL)-- x"],
    ["Room 101 where we meet", "Chapter 3 having 2 = 2 parts", "where 5 = 5"],
  ],
  [
    "tautology on a keyword",
    [" and USER=USER", "1 AND user=user--"],
    ["user=user", "and the user is a user"],
  ],
  [
    "stacked CALL",
    ["1) ;CALL REGEXP_SUBSTRING(REPEAT(RIGHT(CHAR(63),0),500000000),NULL)-- x"],
    ["Call me (maybe); call Bob (555) 1234", "Ok; call f(x)"],
  ],
];

for (const [name, attacks, benign] of CLASSES) {
  for (const a of attacks) test(`SQLi ${name} detected: ${a}`, () => assert.equal(detectSqli(a), true));
  for (const b of benign) test(`SQLi ${name} benign: ${b}`, () => assert.equal(detectSqli(b), false));
}
