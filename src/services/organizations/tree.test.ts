/** The OU tree: creation rules (parent, depth, names), renames, deletion, moving accounts, parents and children. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MGMT, orgFixture, type OrgFixture } from "./testing/org-fixture.js";

interface Ou {
  Id: string;
  Arn: string;
  Name: string;
}

async function setup(): Promise<{ f: OrgFixture; rootId: string; orgId: string }> {
  const f = await orgFixture({ manual: true });
  const orgId = (await f.call<{ Organization: { Id: string } }>("CreateOrganization", {})).Organization.Id;
  const rootId = (await f.call<{ Roots: Array<{ Id: string }> }>("ListRoots", {})).Roots[0]!.Id;
  return { f, rootId, orgId };
}

const createOu = async (f: OrgFixture, parentId: string, name: string): Promise<Ou> =>
  (await f.call<{ OrganizationalUnit: Ou }>("CreateOrganizationalUnit", { ParentId: parentId, Name: name })).OrganizationalUnit;

async function member(f: OrgFixture, name: string): Promise<string> {
  const s = (await f.call<{ CreateAccountStatus: { Id: string } }>("CreateAccount", { AccountName: name, Email: `${name.toLowerCase()}@example.com` })).CreateAccountStatus;
  await f.drain();
  return (await f.call<{ CreateAccountStatus: { AccountId: string } }>("DescribeCreateAccountStatus", { CreateAccountRequestId: s.Id })).CreateAccountStatus.AccountId;
}

describe("organizational units", () => {
  test("ids carry the root's id, ARNs name the organization; the request is authorised on the parent", async () => {
    const { f, rootId, orgId } = await setup();
    const ctx = f.ctx();
    const ou = (await f.call<{ OrganizationalUnit: Ou }>("CreateOrganizationalUnit", { ParentId: rootId, Name: "Dev" }, ctx)).OrganizationalUnit;
    assert.match(ou.Id, new RegExp(`^ou-${rootId.slice(2)}-[a-z0-9]{8}$`));
    assert.deepEqual(ou, { Id: ou.Id, Arn: `arn:aws:organizations::${MGMT}:ou/${orgId}/${ou.Id}`, Name: "Dev" });
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource]), [["organizations:CreateOrganizationalUnit", `arn:aws:organizations::${MGMT}:root/${orgId}/${rootId}`]]);
    assert.deepEqual(ctx.audit.resources, [{ ARN: ou.Arn, accountId: MGMT, type: "AWS::Organizations::OrganizationalUnit" }]);
  });

  test("nesting stops five levels below the root", async () => {
    const { f, rootId } = await setup();
    let parent = rootId;
    for (let depth = 1; depth <= 5; depth++) parent = (await createOu(f, parent, `L${depth}`)).Id;
    const err = await expectAwsError(createOu(f, parent, "L6"), "ConstraintViolationException", "You attempted to create an OU tree that is too many levels deep.", 400);
    assert.deepEqual(err.fields, { Reason: "OU_DEPTH_LIMIT_EXCEEDED" });
  });

  test("names are unique among siblings; rename keeps that; a missing parent or OU is reported", async () => {
    const { f, rootId } = await setup();
    const a = await createOu(f, rootId, "A");
    const b = await createOu(f, rootId, "B");
    await createOu(f, a.Id, "B"); // another parent: allowed
    await expectAwsError(createOu(f, rootId, "A"), "DuplicateOrganizationalUnitException", "An OU with the same name already exists.", 400);
    await expectAwsError(f.call("UpdateOrganizationalUnit", { OrganizationalUnitId: b.Id, Name: "A" }), "DuplicateOrganizationalUnitException", /same name/, 400);
    assert.deepEqual((await f.call<{ OrganizationalUnit: Ou }>("UpdateOrganizationalUnit", { OrganizationalUnitId: b.Id, Name: "C" })).OrganizationalUnit, { ...b, Name: "C" });
    assert.deepEqual((await f.call<{ OrganizationalUnit: Ou }>("UpdateOrganizationalUnit", { OrganizationalUnitId: b.Id })).OrganizationalUnit, { ...b, Name: "C" });
    const missing = `ou-${rootId.slice(2)}-zzzzzzzz`;
    await expectAwsError(createOu(f, missing, "X"), "ParentNotFoundException", "We can't find a root or organizational unit with the ParentId that you specified.", 400);
    await expectAwsError(f.call("DescribeOrganizationalUnit", { OrganizationalUnitId: missing }), "OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.", 400);
    const bad = await expectAwsError(f.call("DescribeOrganizationalUnit", { OrganizationalUnitId: "ou-1" }), "InvalidInputException", /pattern/, 400);
    assert.deepEqual(bad.fields, { Reason: "INVALID_PATTERN" });
    const long = await expectAwsError(createOu(f, rootId, "x".repeat(129)), "InvalidInputException", /longer/, 400);
    assert.deepEqual(long.fields, { Reason: "MAX_LENGTH_EXCEEDED" });
  });

  test("an OU with a child OU or an account cannot be deleted; an empty one can", async () => {
    const { f, rootId } = await setup();
    const a = await createOu(f, rootId, "A");
    const child = await createOu(f, a.Id, "Child");
    const notEmpty = (id: string) =>
      expectAwsError(f.call("DeleteOrganizationalUnit", { OrganizationalUnitId: id }), "OrganizationalUnitNotEmptyException", /is not empty/, 400);
    await notEmpty(a.Id);
    const id = await member(f, "Dev");
    await f.call("MoveAccount", { AccountId: id, SourceParentId: rootId, DestinationParentId: child.Id });
    await notEmpty(child.Id);
    await f.call("MoveAccount", { AccountId: id, SourceParentId: child.Id, DestinationParentId: rootId });
    await f.call("DeleteOrganizationalUnit", { OrganizationalUnitId: child.Id });
    await f.call("DeleteOrganizationalUnit", { OrganizationalUnitId: a.Id });
    assert.deepEqual((await f.call<{ OrganizationalUnits: Ou[] }>("ListOrganizationalUnitsForParent", { ParentId: rootId })).OrganizationalUnits, []);
    await expectAwsError(f.call("DeleteOrganizationalUnit", { OrganizationalUnitId: a.Id }), "OrganizationalUnitNotFoundException", /can't find an OU/, 400);
  });

  test("MoveAccount: source must hold the account, destination must exist and differ; parents and children follow", async () => {
    const { f, rootId } = await setup();
    const a = await createOu(f, rootId, "A");
    const b = await createOu(f, a.Id, "B");
    const id = await member(f, "Dev");
    const move = (src: string, dst: string, account = id) => f.call("MoveAccount", { AccountId: account, SourceParentId: src, DestinationParentId: dst });
    await expectAwsError(move(a.Id, b.Id), "SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.", 400);
    await expectAwsError(move(rootId, `ou-${rootId.slice(2)}-zzzzzzzz`), "DestinationParentNotFoundException", /destination container/, 400);
    await expectAwsError(move(rootId, rootId), "DuplicateAccountException", "That account is already present in the specified destination.", 400);
    await expectAwsError(move(rootId, a.Id, "999988887777"), "AccountNotFoundException", "You specified an account that doesn't exist.", 400);
    // Authorised on the account, its source parent and its destination parent: a policy denying
    // moves into (or out of) an OU stops the move, and nothing moves.
    const denyB = f.ctx(undefined, (r) => r.resource === b.Arn);
    await expectAwsError(f.call("MoveAccount", { AccountId: id, SourceParentId: rootId, DestinationParentId: b.Id }, denyB), "AccessDeniedException", `User: arn:aws:iam::${MGMT}:user/admin is not authorized to perform: organizations:MoveAccount on resource: ${b.Arn}`, 400);
    assert.deepEqual((await f.call<{ Parents: unknown[] }>("ListParents", { ChildId: id })).Parents, [{ Id: rootId, Type: "ROOT" }]);
    const ctx = f.ctx();
    await f.call("MoveAccount", { AccountId: id, SourceParentId: rootId, DestinationParentId: b.Id }, ctx);
    const org = (await f.call<{ Organization: { Id: string } }>("DescribeOrganization", {})).Organization.Id;
    assert.deepEqual(
      ctx.calls.map((c) => [c.action, c.resource]),
      [
        ["organizations:MoveAccount", `arn:aws:organizations::${MGMT}:account/${org}/${id}`],
        ["organizations:MoveAccount", `arn:aws:organizations::${MGMT}:root/${org}/${rootId}`],
        ["organizations:MoveAccount", b.Arn],
      ],
    );
    assert.deepEqual((await f.call<{ Parents: unknown[] }>("ListParents", { ChildId: id })).Parents, [{ Id: b.Id, Type: "ORGANIZATIONAL_UNIT" }]);
    assert.deepEqual((await f.call<{ Parents: unknown[] }>("ListParents", { ChildId: b.Id })).Parents, [{ Id: a.Id, Type: "ORGANIZATIONAL_UNIT" }]);
    assert.deepEqual((await f.call<{ Parents: unknown[] }>("ListParents", { ChildId: a.Id })).Parents, [{ Id: rootId, Type: "ROOT" }]);
    const children = (parent: string, type: string) => f.call<{ Children: Array<{ Id: string; Type: string }> }>("ListChildren", { ParentId: parent, ChildType: type });
    assert.deepEqual((await children(b.Id, "ACCOUNT")).Children, [{ Id: id, Type: "ACCOUNT" }]);
    assert.deepEqual((await children(rootId, "ACCOUNT")).Children, [{ Id: MGMT, Type: "ACCOUNT" }]);
    assert.deepEqual((await children(rootId, "ORGANIZATIONAL_UNIT")).Children, [{ Id: a.Id, Type: "ORGANIZATIONAL_UNIT" }]);
    await expectAwsError(children(rootId, "POLICY"), "InvalidInputException", "You specified an invalid value.", 400);
    const inB = await f.call<{ Accounts: Array<{ Id: string }> }>("ListAccountsForParent", { ParentId: b.Id });
    assert.deepEqual(inB.Accounts.map((x) => x.Id), [id]);
    await expectAwsError(f.call("ListParents", { ChildId: `ou-${rootId.slice(2)}-zzzzzzzz` }), "ChildNotFoundException", /ChildId/, 400);
  });

  test("pagination over children", async () => {
    const { f, rootId } = await setup();
    const ids: string[] = [];
    for (const n of ["A", "B", "C"]) ids.push((await createOu(f, rootId, n)).Id);
    const first = await f.call<{ OrganizationalUnits: Ou[]; NextToken?: string }>("ListOrganizationalUnitsForParent", { ParentId: rootId, MaxResults: 2 });
    assert.equal(first.OrganizationalUnits.length, 2);
    const rest = await f.call<{ OrganizationalUnits: Ou[]; NextToken?: string }>("ListOrganizationalUnitsForParent", { ParentId: rootId, MaxResults: 2, NextToken: first.NextToken });
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual([...first.OrganizationalUnits, ...rest.OrganizationalUnits].map((o) => o.Id), [...ids].sort());
    const wrong = await expectAwsError(f.call("ListChildren", { ParentId: rootId, ChildType: "ACCOUNT", NextToken: first.NextToken }), "InvalidInputException", /nextToken/, 400);
    assert.deepEqual(wrong.fields, { Reason: "INVALID_NEXT_TOKEN" });
  });

  test("members cannot manage OUs; the organization cannot be deleted while OUs exist", async () => {
    const { f, rootId } = await setup();
    const ou = await createOu(f, rootId, "A");
    const id = await member(f, "Dev");
    await expectAwsError(f.call("CreateOrganizationalUnit", { ParentId: rootId, Name: "B" }, f.ctx(id)), "AccessDeniedException", /permissions/, 400);
    await expectAwsError(f.call("MoveAccount", { AccountId: id, SourceParentId: rootId, DestinationParentId: ou.Id }, f.ctx(id)), "AccessDeniedException", /permissions/, 400);
    await f.accounts.remove(id);
    await expectAwsError(f.call("DeleteOrganization", {}), "OrganizationNotEmptyException", /delete all OUs/, 400);
    await f.call("DeleteOrganizationalUnit", { OrganizationalUnitId: ou.Id });
    await f.call("DeleteOrganization", {});
  });
});
