import { test } from "node:test";
import assert from "node:assert/strict";
import { accountRootArn, arn, arnPattern, arnPrefix, iamArn, isPartition, partition, PARTITIONS, usePartition } from "./partition.js";

// One process per test file: this file alone moves the partition, in the order written here.

test("the partitions are AWS's ids, and nothing else is one", () => {
  assert.deepEqual([...PARTITIONS], ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"]);
  for (const p of PARTITIONS) assert.ok(isPartition(p));
  for (const s of ["", "AWS", "aws-eu", "aws-us-gov-west", "*", "aws "]) assert.equal(isPartition(s), false, s);
});

test("until a data directory fixes it, the partition is aws", () => {
  assert.equal(partition(), "aws");
  assert.equal(arn("kms", "us-east-1", "111122223333", "key/k"), "arn:aws:kms:us-east-1:111122223333:key/k");
  assert.equal(accountRootArn("111122223333"), "arn:aws:iam::111122223333:root");
  assert.ok(arnPattern(/^arn:aws:iam::(\d{12}):root$/).test("arn:aws:iam::111122223333:root"));
});

test("an ARN pattern matches the installation's partition only, compiled when first used after the partition is fixed", () => {
  const ROOT = arnPattern(/^arn:aws:iam::(\d{12}):root$/);
  const USER = arnPattern(/^arn:aws:iam::\d{12}:user\/.+$/i);
  assert.equal(ROOT.exec("arn:aws:iam::111122223333:root")?.[1], "111122223333");
  usePartition("aws-eusc");
  assert.equal(partition(), "aws-eusc");
  assert.equal(ROOT.exec("arn:aws-eusc:iam::111122223333:root")?.[1], "111122223333");
  assert.equal(ROOT.exec("arn:aws:iam::111122223333:root"), null);
  assert.equal(ROOT.test("arn:aws-cn:iam::111122223333:root"), false);
  assert.equal(USER.test("ARN:AWS-EUSC:IAM::111122223333:USER/A"), true, "flags are kept");
  assert.equal(ROOT.source, "^arn:aws-eusc:iam::(\\d{12}):root$");
  assert.equal(arn("kms", "eusc-de-east-1", "111122223333", "alias/a"), "arn:aws-eusc:kms:eusc-de-east-1:111122223333:alias/a");
  assert.equal(iamArn("aws", "policy/ReadOnlyAccess"), "arn:aws-eusc:iam::aws:policy/ReadOnlyAccess");
  assert.equal(accountRootArn("111122223333"), "arn:aws-eusc:iam::111122223333:root");
  assert.equal(arnPrefix(), "arn:aws-eusc:");
});

test("a process keeps the partition it was given: the same one again is fine, another one throws", () => {
  usePartition("aws-eusc");
  assert.throws(() => usePartition("aws"), /already serves the aws-eusc partition; an installation of the aws partition needs a process of its own/);
  assert.equal(partition(), "aws-eusc");
});

test("arnPattern refuses a pattern that is not an aws ARN's, or one with shared state", () => {
  assert.throws(() => arnPattern(/^arn:aws-cn:iam::/), /must start with \^arn:aws:/);
  assert.throws(() => arnPattern(/arn:aws:iam::/), /must start with \^arn:aws:/);
  assert.throws(() => arnPattern(/^arn:aws:iam::/g), /neither global nor sticky/);
});
