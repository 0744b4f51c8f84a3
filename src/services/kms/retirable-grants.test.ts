/**
 * ListRetirableGrants reads the retiring principal's own range of grants (the kms-retirable
 * index), on keys of every account in the Region, in a stable order, and pages it exactly.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { ListOptions } from "../../storage/types.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, createKmsHarness, OTHER, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
type Page = { Grants: Array<{ GrantId: string; KeyId: string; RetiringPrincipal?: string }>; Truncated: boolean; NextMarker?: string };

describe("KMS ListRetirableGrants", () => {
  const h = createKmsHarness();
  after(() => h.close());
  const app = `arn:aws:iam::${ACCOUNT}:role/app`;
  // A role named "x" on the path /app/: its ARN begins with the other one's.
  const nested = `arn:aws:iam::${ACCOUNT}:role/app/x`;

  async function grant(keyId: string, retiring: string, issuer = h.root()): Promise<string> {
    const g = await h.call<{ GrantId: string }>("CreateGrant", { KeyId: keyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, RetiringPrincipal: retiring, Operations: ["Encrypt"] }, issuer);
    return g.GrantId;
  }

  async function all(principal: string, limit?: number): Promise<Page[]> {
    const pages: Page[] = [];
    let marker: string | undefined;
    do {
      const p = await h.call<Page>("ListRetirableGrants", { RetiringPrincipal: principal, ...(limit !== undefined ? { Limit: limit } : {}), ...(marker !== undefined ? { Marker: marker } : {}) });
      pages.push(p);
      marker = p.NextMarker;
      assert.equal(p.Truncated, marker !== undefined);
    } while (marker !== undefined);
    return pages;
  }

  test("exactly the grants naming the principal, on keys of any account, ordered by key ARN and grant id, paged by Limit", async () => {
    const mine = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const theirs = (await h.call<Md>("CreateKey", {}, h.root(OTHER))).KeyMetadata;
    const want: string[] = [];
    for (let i = 0; i < 3; i++) want.push(`${mine.Arn}/${await grant(mine.KeyId, app)}`);
    for (let i = 0; i < 2; i++) want.push(`${theirs.Arn}/${await grant(theirs.KeyId, app, h.root(OTHER))}`);
    await grant(mine.KeyId, nested);
    await grant(mine.KeyId, `arn:aws:iam::${ACCOUNT}:role/other`);
    await h.call("CreateGrant", {
      KeyId: mine.KeyId,
      GranteeServicePrincipal: "s3.amazonaws.com",
      RetiringServicePrincipal: "s3.amazonaws.com",
      Operations: ["Encrypt"],
      Constraints: { SourceArn: "arn:aws:s3:::bucket" },
    });
    want.sort();

    const [whole] = await all(app);
    assert.deepEqual(whole?.Grants.map((g) => `${g.KeyId}/${g.GrantId}`), want);
    assert.ok(whole?.Grants.every((g) => g.RetiringPrincipal === app));
    const pages = await all(app, 2);
    assert.deepEqual(
      pages.map((p) => p.Grants.length),
      [2, 2, 1],
    );
    assert.deepEqual(
      pages.flatMap((p) => p.Grants.map((g) => `${g.KeyId}/${g.GrantId}`)),
      want,
    );
    // Exactly one page's worth left: no marker after it.
    const exact = await h.call<Page>("ListRetirableGrants", { RetiringPrincipal: app, Limit: 5 });
    assert.equal(exact.Grants.length, 5);
    assert.equal(exact.Truncated, false);
    assert.equal(exact.NextMarker, undefined);
    assert.deepEqual(
      (await all(nested))[0]?.Grants.map((g) => g.RetiringPrincipal),
      [nested],
    );

    // A grant revoked between pages neither repeats nor shifts the next page.
    const first = await h.call<Page>("ListRetirableGrants", { RetiringPrincipal: app, Limit: 2 });
    const gone = first.Grants[1];
    assert.ok(gone && first.NextMarker);
    await h.call("RevokeGrant", { KeyId: gone.KeyId, GrantId: gone.GrantId }, gone.KeyId === mine.Arn ? h.root() : h.root(OTHER));
    const second = await h.call<Page>("ListRetirableGrants", { RetiringPrincipal: app, Limit: 2, Marker: first.NextMarker });
    assert.deepEqual(
      second.Grants.map((g) => `${g.KeyId}/${g.GrantId}`),
      want.slice(2, 4),
    );
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: nested, Marker: first.NextMarker }), "InvalidMarkerException");
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: app, Limit: 0 }), "ValidationException");
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: app, Limit: 101 }), "ValidationException");
  });

  test("reads only the principal's grants, never the Region's", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const solo = `arn:aws:iam::${ACCOUNT}:user/solo`;
    const id = await grant(k.KeyId, solo);
    for (let i = 0; i < 20; i++) await grant(k.KeyId, `arn:aws:iam::${ACCOUNT}:user/crowd`);
    await h.call("ListRetirableGrants", { RetiringPrincipal: solo }); // the index's one-time fill, if not done yet
    const list = h.store.list.bind(h.store);
    const reads: Array<{ collection: string; opts: ListOptions | undefined; rows: number }> = [];
    h.store.list = async <T>(collection: string, opts?: ListOptions) => {
      const rows = await list<T>(collection, opts);
      reads.push({ collection, opts, rows: rows.length });
      return rows;
    };
    try {
      const p = await h.call<Page>("ListRetirableGrants", { RetiringPrincipal: solo });
      assert.deepEqual(
        p.Grants.map((g) => g.GrantId),
        [id],
      );
    } finally {
      h.store.list = list;
    }
    const grantReads = reads.filter((r) => r.collection === COLLECTIONS.grants || r.collection === COLLECTIONS.retirable);
    assert.deepEqual(
      grantReads.map((r) => [r.collection, r.rows]),
      [[COLLECTIONS.retirable, 1]],
    );
  });

  test("grants stored before the index existed are listed", async () => {
    const h2 = createKmsHarness();
    try {
      const k = (await h2.call<Md>("CreateKey", {})).KeyMetadata;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const g = await h2.call<{ GrantId: string }>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, RetiringPrincipal: app, Operations: ["Encrypt"] });
        ids.push(g.GrantId);
      }
      // As an earlier version left them: the grants alone.
      for (const row of await h2.store.list(COLLECTIONS.retirable)) await h2.store.delete(COLLECTIONS.retirable, row.key);
      const p = await h2.call<Page>("ListRetirableGrants", { RetiringPrincipal: app });
      assert.deepEqual(
        p.Grants.map((g) => g.GrantId),
        ids.sort(),
      );
    } finally {
      await h2.close();
    }
  });
});
