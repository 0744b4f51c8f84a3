/**
 * KMS under parallel calls on one resource, as Terraform or several SDK clients make them: the
 * outcome of each burst must be one a serial order of the same calls gives (one DeleteAlias,
 * one RetireGrant/RevokeGrant of a grant succeeds; a deleted alias is not brought back by an
 * UpdateAlias; a grant name stays idempotent; the on-demand rotation quota holds).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateKeyCommand,
  CreateAliasCommand,
  UpdateAliasCommand,
  DeleteAliasCommand,
  ListAliasesCommand,
  CreateGrantCommand,
  ListGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ListKeyRotationsCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { burst, startServerProcess, tally, type ServerProcess } from "./bursts.js";

let server: ServerProcess;
let accountId: string;
let kms: KMSClient;

before(async () => {
  server = await startServerProcess("bulwark-conc-");
  kms = new KMSClient(server.clientConfig);
  accountId = (await new STSClient(server.clientConfig).send(new GetCallerIdentityCommand({}))).Account!;
});
after(() => server.stop());

const newKey = async () => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;

test("parallel DeleteAlias: one succeeds, the others get NotFoundException", async () => {
  const key = await newKey();
  for (let round = 0; round < 5; round++) {
    const name = `alias/del-race-${round}`;
    await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key }));
    const rs = await burst(Array.from({ length: 20 }, () => () => kms.send(new DeleteAliasCommand({ AliasName: name }))));
    assert.deepEqual(tally(rs), { OK: 1, NotFoundException: 19 });
  }
});

test("UpdateAlias racing DeleteAlias never brings the alias back", async () => {
  const [a, b] = [await newKey(), await newKey()];
  for (let round = 0; round < 5; round++) {
    const name = `alias/upd-race-${round}`;
    await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a }));
    const isDelete = (i: number) => i % 3 === 2;
    const rs = await burst(
      Array.from({ length: 60 }, (_, i) => () =>
        isDelete(i) ? kms.send(new DeleteAliasCommand({ AliasName: name })) : kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: i % 2 ? a : b })),
      ),
    );
    // In any serial order the first delete removes the alias; every later call finds nothing.
    assert.deepEqual(tally(rs.filter((_, i) => isDelete(i))), { OK: 1, NotFoundException: 19 });
    for (const r of rs) if (!r.ok) assert.equal(r.name, "NotFoundException");
    const left = (await kms.send(new ListAliasesCommand({}))).Aliases!.filter((x) => x.AliasName === name);
    assert.deepEqual(left, []);
  }
});

test("parallel RetireGrant and RevokeGrant of one grant: exactly one succeeds", async () => {
  const key = await newKey();
  const root = `arn:aws:iam::${accountId}:root`;
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    ids.push((await kms.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: root, RetiringPrincipal: root, Operations: ["Encrypt"] }))).GrantId!);
  }
  const calls = ids.flatMap((id) => [
    () => kms.send(new RetireGrantCommand({ KeyId: key, GrantId: id })),
    () => kms.send(new RevokeGrantCommand({ KeyId: key, GrantId: id })),
    () => kms.send(new RetireGrantCommand({ KeyId: key, GrantId: id })),
  ]);
  const rs = await burst(calls);
  for (let i = 0; i < ids.length; i++) {
    assert.deepEqual(tally(rs.slice(i * 3, i * 3 + 3)), { OK: 1, NotFoundException: 2 });
  }
  assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: key }))).Grants, []);
});

test("parallel CreateGrant with one Name and identical parameters makes one grant", async () => {
  const key = await newKey();
  const root = `arn:aws:iam::${accountId}:root`;
  const rs = await burst(
    Array.from({ length: 100 }, (_, i) => () => kms.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: root, Operations: ["Decrypt"], Name: `g${i % 10}` }))),
  );
  assert.deepEqual(tally(rs), { OK: 100 });
  const ids = new Set(rs.map((r) => (r.ok ? r.value.GrantId : "")));
  assert.equal(ids.size, 10);
  const listed = (await kms.send(new ListGrantsCommand({ KeyId: key }))).Grants!;
  assert.deepEqual(new Set(listed.map((g) => g.GrantId)), ids);
});

test("parallel RotateKeyOnDemand stops at the quota of 25 on-demand rotations", async () => {
  const key = await newKey();
  const rs = await burst(Array.from({ length: 40 }, () => () => kms.send(new RotateKeyOnDemandCommand({ KeyId: key }))));
  assert.deepEqual(tally(rs), { OK: 25, LimitExceededException: 15 });
  const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: key, Limit: 1000 }));
  assert.equal(rotations.Rotations!.length, 25);
});

test("parallel CreateAlias of distinct names for one key stops at 50 aliases per key", async () => {
  const key = await newKey();
  const rs = await burst(Array.from({ length: 80 }, (_, i) => () => kms.send(new CreateAliasCommand({ AliasName: `alias/quota-${i}`, TargetKeyId: key }))));
  assert.deepEqual(tally(rs), { OK: 50, LimitExceededException: 30 });
  const listed = (await kms.send(new ListAliasesCommand({ KeyId: key, Limit: 100 }))).Aliases!;
  assert.equal(listed.length, 50);
  // UpdateAlias onto the full key is refused the same way, alone or in parallel; onto another key it works.
  const other = await newKey();
  await kms.send(new CreateAliasCommand({ AliasName: "alias/quota-mover", TargetKeyId: other }));
  const moves = await burst(Array.from({ length: 5 }, () => () => kms.send(new UpdateAliasCommand({ AliasName: "alias/quota-mover", TargetKeyId: key }))));
  assert.deepEqual(tally(moves), { LimitExceededException: 5 });
  assert.equal((await kms.send(new ListAliasesCommand({ KeyId: other }))).Aliases!.map((a) => a.AliasName).join(), "alias/quota-mover");
  await kms.send(new UpdateAliasCommand({ AliasName: "alias/quota-mover", TargetKeyId: await newKey() }));
});
