import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluate, parsePolicy, statementPositions, type EvaluationTrace } from "./index.js";
import { alice, ACCT } from "./test-support.js";

test("statementPositions: statement list, single statement, CRLF, duplicate Statement keys, unscannable text", () => {
  const one = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}, {"Effect":"Deny","Action":"s3:Put*","Resource":"*"}]}';
  const a = one.indexOf("{", 1);
  const b = one.indexOf("}", a);
  const c = one.indexOf("{", b);
  const d = one.indexOf("}", c);
  assert.deepEqual(statementPositions(one), [
    { start: { line: 1, column: a + 2 }, end: { line: 1, column: b + 2 } },
    { start: { line: 1, column: c + 2 }, end: { line: 1, column: d + 2 } },
  ]);
  // IAM's own example: the statement's "{" is the 40th character, column 41; its "}" column 113.
  const recorded = '{"Version": "2012-10-17", "Statement": {"Sid": "", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}}';
  assert.deepEqual(statementPositions(recorded), [{ start: { line: 1, column: 41 }, end: { line: 1, column: 113 } }]);
  const single = '{\r\n  "Statement": {\r\n    "Effect": "Allow", "Action": "s3:*", "Resource": "*"\r\n  }\r\n}';
  assert.deepEqual(statementPositions(single), [{ start: { line: 2, column: 17 }, end: { line: 4, column: 4 } }]);
  // JSON.parse keeps the last duplicate key, and so does the scanner.
  const dup = '{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"},\n"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
  assert.deepEqual(statementPositions(dup), [{ start: { line: 2, column: 15 }, end: { line: 2, column: 63 } }]);
  // Braces inside strings do not confuse it.
  const braces = '{"Statement":[{"Sid":"a}{b","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/\\"}"}]}';
  assert.deepEqual(statementPositions(braces), [{ start: { line: 1, column: 16 }, end: { line: 1, column: braces.length - 1 } }]);
  assert.equal(statementPositions("{not json"), undefined);
  assert.equal(statementPositions('{"Version":"2012-10-17"}'), undefined);
});

test("traced evaluation: matched statements, missing keys, boundary verdict, same decision", () => {
  const identity = parsePolicy(
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:*", Resource: "*" },
        { Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "s3:prefix": "a", "aws:PrincipalTag/team": "x" } } },
        { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" },
        { Effect: "Deny", Action: "s3:Delete*", Resource: "*" },
      ],
    }),
    "identity",
  );
  const boundary = parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }), "boundary");
  const base = { principal: alice, resource: "arn:aws:s3:::b/k", resourceAccount: ACCT, identityPolicies: [identity], permissionsBoundary: boundary, context: {} };

  const t1: EvaluationTrace = { matched: [], missingKeys: [] };
  const get = evaluate({ ...base, action: "s3:GetObject", trace: t1 });
  assert.equal(get.decision, evaluate({ ...base, action: "s3:GetObject" }).decision);
  assert.equal(get.decision, "Allow");
  assert.deepEqual(t1.matched.map((m) => [m.slot, m.index, m.deny]), [["identity", 0, false], ["boundary", 0, false]]);
  // Both keys of the conditional statement are reported, not only the first one read.
  assert.deepEqual(t1.missingKeys, ["s3:prefix", "aws:PrincipalTag/team"]);
  assert.equal(t1.boundaryAllows, true);

  const t2: EvaluationTrace = { matched: [], missingKeys: [] };
  const del = evaluate({ ...base, action: "s3:DeleteObject", trace: t2 });
  assert.equal(del.decision, "ExplicitDeny");
  // Every matching deny is recorded, and the boundary is still evaluated.
  assert.deepEqual(t2.matched.map((m) => [m.slot, m.index, m.deny]), [["identity", 0, false], ["identity", 2, true], ["identity", 3, true]]);
  assert.equal(t2.boundaryAllows, false);
});
