/**
 * A listener's certificate list: AddListenerCertificates, DescribeListenerCertificates and
 * RemoveListenerCertificates. The list sits beside the default certificate (which is not in it
 * unless added); the data plane picks from it by the client's SNI host name.
 *
 * As the API reference and ALB guide have it: one certificate per Add/Remove call, IsDefault not
 * set; adding a certificate already listed succeeds without adding it again; the default
 * certificate cannot be removed (OperationNotPermitted, even when it is also in the list:
 * ModifyListener replaces it first); removing one that is not listed is CertificateNotFound, as
 * ELB answers; Describe lists the default certificate with IsDefault true (twice when it is also
 * in the list, once with false); a load balancer's lists hold at most
 * `certificatesPerLoadBalancer` certificates (25, default certificates not counted) →
 * TooManyCertificates.
 */
import type {
  AddListenerCertificatesInput,
  AddListenerCertificatesOutput,
  Certificate,
  DescribeListenerCertificatesInput,
  DescribeListenerCertificatesOutput,
  RemoveListenerCertificatesInput,
  RemoveListenerCertificatesOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { DocStore } from "../../storage/types.js";
import { confirmCertificate, resolveCertificateArn, type CertificateChoice } from "./certificates.js";
import { RESOURCE_TYPES, noteResource, resourceTagContext, type Caller, type Elbv2Env } from "./env.js";
import { certificateNotFound, invalidConfiguration, listenerNotFound, loadBalancerNotFound, operationNotPermitted, tooManyCertificates, validationError } from "./errors.js";
import { assertTlsUnchanged, bind, checkListenerArn, mustListener, retryOnTlsChange } from "./listeners.js";
import type { ListedCertificateDoc, ListenerDoc } from "./model.js";
import { listenerSpec, listenerTls } from "./runtime.js";
import { listeners, loadBalancers } from "./store.js";
import { checkPageSize, paginate } from "./validation.js";

function listed(l: ListenerDoc): ListedCertificateDoc[] {
  return l.protocol === "HTTPS" ? (l.certificateList ?? []) : [];
}

/** The one certificate ARN an Add/Remove call names (IsDefault is not for input). */
function oneCertificate(certs: Certificate[] | undefined): string {
  if (!certs || certs.length !== 1) throw validationError(`Exactly one certificate must be specified per call, not ${certs?.length ?? 0}`);
  const c = certs[0] as Certificate;
  if (c.IsDefault === true) throw validationError("You cannot set the isDefault parameter for a certificate.");
  if (!c.CertificateArn) throw validationError("A certificate ARN must be specified");
  return c.CertificateArn;
}

/** Does the list entry hold the certificate an ARN names? IAM certificates compare by id (they may have been renamed). */
function holds(entry: { CertificateArn: string; iamServerCertificateId?: string }, arn: string, iamId: string | undefined): boolean {
  return entry.CertificateArn === arn || (iamId !== undefined && entry.iamServerCertificateId === iamId);
}

/** The IAM server certificate an ARN names now, if it is one. */
async function iamIdOf(env: Elbv2Env, caller: Caller, arn: string): Promise<string | undefined> {
  if (!arn.includes(":iam::")) return undefined;
  return (await env.serverCertificates?.byArn(env.store, caller.scope.accountId, arn))?.serverCertificateId;
}

/**
 * Stores the listener with the certificate list `list` and pushes it to the data plane, in one
 * transaction (`check` runs in it first). The certificates' material is read before it.
 */
async function storeList(env: Elbv2Env, caller: Caller, current: ListenerDoc, list: ListedCertificateDoc[], check?: (tx: DocStore, l: ListenerDoc) => Promise<void>): Promise<void> {
  const lbNow = await loadBalancers.byArn(env.store, caller.scope, current.loadBalancerArn);
  if (!lbNow) throw loadBalancerNotFound();
  const withList = (l: ListenerDoc): ListenerDoc => {
    const next: ListenerDoc = { ...l, certificateList: list };
    if (list.length === 0) delete next.certificateList;
    return next;
  };
  const material = await listenerTls(env, withList(current), lbNow);
  const beforeTls = await listenerTls(env, current, lbNow);
  await env.store.transaction(async (tx) => {
    const l = await mustListener(tx, caller, current.arn);
    assertTlsUnchanged(l, current);
    const lb = await loadBalancers.byArn(tx, caller.scope, l.loadBalancerArn);
    if (!lb) throw loadBalancerNotFound();
    if (check) await check(tx, l);
    const siblings = (await listeners.ofLoadBalancer(tx, caller.scope, lb.id)).filter((x) => x.arn !== l.arn);
    const next = withList(l);
    await bind(env, next, lb, siblings, material);
    try {
      await listeners.put(tx, next);
    } catch (e) {
      // Not stored: put the data plane back the way storage says it is.
      await bind(env, l, lb, siblings, beforeTls).catch(() => undefined);
      throw e;
    }
  });
}

export async function addListenerCertificates(env: Elbv2Env, caller: Caller, input: AddListenerCertificatesInput): Promise<AddListenerCertificatesOutput> {
  const arn = checkListenerArn(input.ListenerArn);
  const first = await listeners.byArn(env.store, caller.scope, arn);
  await caller.authorize("AddListenerCertificates", arn, resourceTagContext(first?.tags));
  noteResource(caller, arn, RESOURCE_TYPES.listener);
  if (!first) throw listenerNotFound();
  const certificateArn = oneCertificate(input.Certificates);
  await retryOnTlsChange(env, caller, first, async (current) => {
    if (current.protocol !== "HTTPS") throw invalidConfiguration("Certificates can be added only to HTTPS listeners");
    const choice: CertificateChoice = await resolveCertificateArn(env, env.store, caller.scope, certificateArn, caller.now);
    const list = listed(current);
    // Already listed (an IAM certificate under any of its names): nothing is added.
    if (list.some((c) => holds(c, certificateArn, choice.iamServerCertificateId))) return;
    const entry: ListedCertificateDoc = {
      CertificateArn: certificateArn,
      ...(choice.iamServerCertificateId !== undefined ? { iamServerCertificateId: choice.iamServerCertificateId } : {}),
      seq: list.reduce((m, c) => Math.max(m, c.seq), 0) + 1,
    };
    await storeList(env, caller, current, [...list, entry], async (tx, l) => {
      await confirmCertificate(env, tx, caller.scope, choice);
      const quota = env.quotas.certificatesPerLoadBalancer;
      let count = 0;
      for (const x of await listeners.ofLoadBalancer(tx, caller.scope, l.lbId)) count += x.arn === l.arn ? list.length + 1 : listed(x).length;
      if (count > quota) throw tooManyCertificates(quota);
    });
  });
  return { Certificates: [{ CertificateArn: certificateArn, IsDefault: false }] };
}

export async function removeListenerCertificates(env: Elbv2Env, caller: Caller, input: RemoveListenerCertificatesInput): Promise<RemoveListenerCertificatesOutput> {
  const arn = checkListenerArn(input.ListenerArn);
  const first = await listeners.byArn(env.store, caller.scope, arn);
  await caller.authorize("RemoveListenerCertificates", arn, resourceTagContext(first?.tags));
  noteResource(caller, arn, RESOURCE_TYPES.listener);
  if (!first) throw listenerNotFound();
  const certificateArn = oneCertificate(input.Certificates);
  const iamId = await iamIdOf(env, caller, certificateArn);
  await retryOnTlsChange(env, caller, first, async (current) => {
    const byDefault = { CertificateArn: current.certificates[0]?.CertificateArn ?? "", ...(current.iamServerCertificateId !== undefined ? { iamServerCertificateId: current.iamServerCertificateId } : {}) };
    if (current.protocol === "HTTPS" && holds(byDefault, certificateArn, iamId)) {
      throw operationNotPermitted("Default certificate cannot be removed");
    }
    const list = listed(current);
    const keep = list.filter((c) => !holds(c, certificateArn, iamId));
    if (keep.length === list.length) throw certificateNotFound(certificateArn);
    await storeList(env, caller, current, keep);
  });
  return {};
}

export async function describeListenerCertificates(env: Elbv2Env, caller: Caller, input: DescribeListenerCertificatesInput): Promise<DescribeListenerCertificatesOutput> {
  await caller.authorize("DescribeListenerCertificates", "*");
  const pageSize = checkPageSize(input.PageSize);
  const l = await mustListener(env.store, caller, input.ListenerArn);
  // The list in the order it was added, then the default certificate.
  const items = listed(l).map((c) => ({ key: `0/${String(c.seq).padStart(10, "0")}`, cert: { CertificateArn: c.CertificateArn, IsDefault: false } }));
  const byDefault = l.protocol === "HTTPS" ? l.certificates[0]?.CertificateArn : undefined;
  if (byDefault !== undefined) items.push({ key: "1/default", cert: { CertificateArn: byDefault, IsDefault: true } });
  const { page, next } = paginate("DescribeListenerCertificates", items, (i) => i.key, input.Marker, pageSize);
  return { Certificates: page.map((i) => i.cert), ...(next ? { NextMarker: next } : {}) };
}
