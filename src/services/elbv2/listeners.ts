/**
 * Listeners: Create/Describe/Modify/Delete. A listener is a real port on the data-plane
 * address: the port is bound (inside the transaction that stores the listener, so a port
 * conflict fails the call and stores nothing) before the call succeeds, and released when
 * the listener is deleted.
 *
 * Port conflicts: another listener of the same load balancer → DuplicateListener; the
 * port held by another load balancer's listener or by another program (all load balancers
 * share the data-plane address) → InvalidConfigurationRequest naming the port.
 */
import type {
  Certificate,
  CreateListenerInput,
  CreateListenerOutput,
  DeleteListenerInput,
  DescribeListenersInput,
  DescribeListenersOutput,
  ModifyListenerInput,
  ModifyListenerOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { PortUnavailableError } from "../../dataplane/runtime-types.js";
import type { DocStore } from "../../storage/types.js";
import { checkRedirectProtocol, normalizeActions } from "./actions.js";
import { listenerArn, newId, parseArn } from "./arn.js";
import { bulwarkCaCertificateArn, confirmCertificate, resolveCertificateArn } from "./certificates.js";
import { RESOURCE_TYPES, authorizeTagsOnCreate, noteResource, requestTagContext, resourceTagContext, type Caller, type Elbv2Env } from "./env.js";
import { duplicateListener, invalidConfiguration, listenerNotFound, loadBalancerNotFound, sslPolicyNotFound, tooManyListeners, unsupportedProtocol, validationError } from "./errors.js";
import { checkLoadBalancerArn, mustLoadBalancer } from "./load-balancers.js";
import type { ListenerDoc, LoadBalancerDoc } from "./model.js";
import { listenerSpec, listenerTls, type TlsMaterial } from "./runtime.js";
import { listeners, loadBalancers } from "./store.js";
import { checkPageSize, checkPort, checkTags, paginate } from "./validation.js";
import { listenerView } from "./views.js";

const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08";
/**
 * The predefined security policies' names (Application Load Balancers take no custom ones): each
 * ends in the year and month it was published (ELBSecurityPolicy-2016-08,
 * ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09). Any other name is SSLPolicyNotFound.
 */
const SSL_POLICY = /^ELBSecurityPolicy-(?:[A-Za-z0-9]+-)*(?:20\d\d)-(?:0[1-9]|1[0-2])$/;

export function checkListenerArn(arn: string | undefined): string {
  const p = arn === undefined ? undefined : parseArn(arn);
  if (!p || p.kind !== "listener") throw validationError(`'${arn ?? ""}' is not a valid listener ARN`);
  return arn as string;
}

function checkProtocol(p: string | undefined): "HTTP" | "HTTPS" {
  const protocol = p ?? "HTTP";
  if (protocol !== "HTTP" && protocol !== "HTTPS") throw unsupportedProtocol(protocol);
  return protocol;
}

interface TlsChoice {
  sslPolicy?: string;
  certificates: Array<{ CertificateArn: string }>;
  /** The default certificate as resolved (see CertificateChoice); absent for HTTP. */
  certificate?: { arn: string; iamServerCertificateId?: string };
}

/** The listener fields a TLS choice sets (an IAM certificate's id, or none). */
function tlsFields(tls: TlsChoice): Pick<ListenerDoc, "certificates" | "iamServerCertificateId"> {
  const id = tls.certificate?.iamServerCertificateId;
  return { certificates: tls.certificates, ...(id !== undefined ? { iamServerCertificateId: id } : {}) };
}

async function tlsChoice(env: Elbv2Env, caller: Caller, protocol: "HTTP" | "HTTPS", sslPolicy: string | undefined, certs: Certificate[] | undefined, current?: ListenerDoc): Promise<TlsChoice> {
  if (protocol === "HTTP") {
    if (certs?.length) throw validationError("Certificates cannot be specified for HTTP listeners");
    if (sslPolicy !== undefined) throw validationError("An SSL policy cannot be specified for HTTP listeners");
    return { certificates: [] };
  }
  const policy = sslPolicy ?? current?.sslPolicy ?? DEFAULT_SSL_POLICY;
  if (!SSL_POLICY.test(policy)) throw sslPolicyNotFound(policy);
  if (certs && certs.length > 1) throw validationError("A listener has exactly one default certificate; add more with AddListenerCertificates");
  const named = certs?.[0]?.CertificateArn;
  const kept = current?.protocol === "HTTPS" ? current.certificates[0]?.CertificateArn : undefined;
  let certificate: TlsChoice["certificate"];
  if (named !== undefined) {
    certificate = await resolveCertificateArn(env, env.store, caller.scope, named, caller.now);
  } else if (kept !== undefined && current?.iamServerCertificateId !== undefined) {
    // The IAM certificate stays the one the listener presents, by id: it may have been renamed since.
    certificate = { arn: kept, iamServerCertificateId: current.iamServerCertificateId };
  } else {
    // Without a certificate, the listener presents one issued by Bulwark's CA for the load balancer's DNS name.
    certificate = await resolveCertificateArn(env, env.store, caller.scope, kept ?? bulwarkCaCertificateArn(caller.scope));
  }
  return { sslPolicy: policy, certificates: [{ CertificateArn: certificate.arn }], certificate };
}

/** Binds (or rebinds) the listener's port; conflicts become the documented API errors. */
export async function bind(env: Elbv2Env, doc: ListenerDoc, lb: LoadBalancerDoc, siblings: ListenerDoc[], tls: TlsMaterial | undefined): Promise<void> {
  try {
    await env.runtime.openListener(listenerSpec(doc, tls));
  } catch (e) {
    if (!(e instanceof PortUnavailableError)) throw e;
    if (e.holderArn !== undefined && siblings.some((l) => l.arn === e.holderArn)) throw duplicateListener(lb.arn);
    const why = e.heldBy === "listener" ? "it is used by a listener of another load balancer" : `the address cannot be bound (${e.osCode ?? "error"})`;
    throw invalidConfiguration(`Port ${e.port} is not available on the data-plane address ${e.host}: ${why}`);
  }
}

export async function createListener(env: Elbv2Env, caller: Caller, input: CreateListenerInput): Promise<CreateListenerOutput> {
  const lbArn = checkLoadBalancerArn(input.LoadBalancerArn);
  const current = await loadBalancers.byArn(env.store, caller.scope, lbArn);
  const tags = checkTags(input.Tags, env.quotas.tagsPerResource);
  await caller.authorize("CreateListener", lbArn, { ...resourceTagContext(current?.tags), ...requestTagContext(tags) });
  noteResource(caller, lbArn, RESOURCE_TYPES.loadBalancer);
  if (!current) throw loadBalancerNotFound();
  const id = newId();
  await authorizeTagsOnCreate(caller, "CreateListener", listenerArn(caller.scope, current.name, current.id, id), tags);
  const protocol = checkProtocol(input.Protocol);
  const port = checkPort(input.Port);
  if (input.MutualAuthentication?.Mode !== undefined && input.MutualAuthentication.Mode !== "off") throw validationError("Mutual TLS authentication is not supported");
  const tls = await tlsChoice(env, caller, protocol, input.SslPolicy, input.Certificates);
  // Certificate material is read (or issued) before the transaction: only `tx` may be used inside it.
  const material = await listenerTls(env, { protocol, ...tlsFields(tls), accountId: current.accountId, region: current.region }, current);
  let opened: string | undefined;
  try {
    const doc = await env.store.transaction(async (tx) => {
      const lb = await loadBalancers.byArn(tx, caller.scope, lbArn);
      if (!lb) throw loadBalancerNotFound();
      const siblings = await listeners.ofLoadBalancer(tx, caller.scope, lb.id);
      const actions = await normalizeActions(tx, caller.scope, lb.arn, input.DefaultActions);
      checkRedirectProtocol(protocol, actions);
      if (tls.certificate) await confirmCertificate(env, tx, caller.scope, tls.certificate);
      const same = siblings.find((l) => l.port === port);
      if (same) {
        // Same port and same configuration: CreateListener is idempotent.
        if (same.protocol === protocol && JSON.stringify(same.defaultActions) === JSON.stringify(actions) && JSON.stringify(same.certificates) === JSON.stringify(tls.certificates)) return same;
        throw duplicateListener(lb.arn);
      }
      if (siblings.length >= env.quotas.listenersPerLoadBalancer) throw tooManyListeners(env.quotas.listenersPerLoadBalancer);
      const l: ListenerDoc = {
        arn: listenerArn(caller.scope, lb.name, lb.id, id),
        id,
        loadBalancerArn: lb.arn,
        lbId: lb.id,
        accountId: lb.accountId,
        region: lb.region,
        port,
        protocol,
        ...(tls.sslPolicy ? { sslPolicy: tls.sslPolicy } : {}),
        ...tlsFields(tls),
        defaultActions: actions,
        tags,
      };
      await bind(env, l, lb, siblings, material);
      opened = l.arn;
      await listeners.put(tx, l);
      return l;
    });
    noteResource(caller, doc.arn, RESOURCE_TYPES.listener);
    return { Listeners: [listenerView(doc)] };
  } catch (e) {
    // Nothing was stored: give the port back.
    if (opened) await env.runtime.closeListener(opened);
    throw e;
  }
}

export async function mustListener(db: DocStore, caller: Caller, arn: string | undefined): Promise<ListenerDoc> {
  const l = await listeners.byArn(db, caller.scope, checkListenerArn(arn));
  if (!l) throw listenerNotFound();
  return l;
}

export async function describeListeners(env: Elbv2Env, caller: Caller, input: DescribeListenersInput): Promise<DescribeListenersOutput> {
  await caller.authorize("DescribeListeners", "*");
  const pageSize = checkPageSize(input.PageSize);
  const arns = input.ListenerArns ?? [];
  if (input.LoadBalancerArn !== undefined && arns.length > 0) throw validationError("Listener ARNs and a load balancer ARN cannot be specified at the same time");
  let found: ListenerDoc[];
  if (input.LoadBalancerArn !== undefined) {
    const lb = await mustLoadBalancer(env, caller, input.LoadBalancerArn);
    found = await listeners.ofLoadBalancer(env.store, caller.scope, lb.id);
  } else if (arns.length > 0) {
    found = [];
    for (const arn of arns) found.push(await mustListener(env.store, caller, arn));
  } else {
    throw validationError("You must specify either listener ARNs or a load balancer ARN");
  }
  const { page, next } = paginate("DescribeListeners", found, (l) => `${l.lbId}/${String(l.port).padStart(5, "0")}/${l.id}`, input.Marker, pageSize);
  return { Listeners: page.map(listenerView), ...(next ? { NextMarker: next } : {}) };
}

export async function modifyListener(env: Elbv2Env, caller: Caller, input: ModifyListenerInput): Promise<ModifyListenerOutput> {
  const arn = checkListenerArn(input.ListenerArn);
  const first = await listeners.byArn(env.store, caller.scope, arn);
  await caller.authorize("ModifyListener", arn, resourceTagContext(first?.tags));
  noteResource(caller, arn, RESOURCE_TYPES.listener);
  if (!first) throw listenerNotFound();
  const doc = await retryOnTlsChange(env, caller, first, (current) => modifyOnce(env, caller, input, current));
  return { Listeners: [listenerView(doc)] };
}

async function modifyOnce(env: Elbv2Env, caller: Caller, input: ModifyListenerInput, current: ListenerDoc): Promise<ListenerDoc> {
  const arn = current.arn;
  const protocol = checkProtocol(input.Protocol ?? current.protocol);
  const port = input.Port !== undefined ? checkPort(input.Port) : current.port;
  const tls = await tlsChoice(env, caller, protocol, input.SslPolicy, input.Certificates, current);
  // An HTTP listener has no certificates: switching to HTTP empties the certificate list too.
  const certificateList = protocol === "HTTPS" ? current.certificateList : undefined;
  const lbNow = await loadBalancers.byArn(env.store, caller.scope, current.loadBalancerArn);
  if (!lbNow) throw loadBalancerNotFound();
  const material = await listenerTls(env, { protocol, ...tlsFields(tls), ...(certificateList ? { certificateList } : {}), accountId: current.accountId, region: current.region }, lbNow);
  const before = current;
  const beforeTls = await listenerTls(env, before, lbNow);
  return env.store.transaction(async (tx) => {
    const l = await mustListener(tx, caller, arn);
    // The material above was read for the certificates `current` has.
    assertTlsUnchanged(l, current);
    const lb = await loadBalancers.byArn(tx, caller.scope, l.loadBalancerArn);
    if (!lb) throw loadBalancerNotFound();
    const siblings = (await listeners.ofLoadBalancer(tx, caller.scope, lb.id)).filter((x) => x.arn !== arn);
    if (siblings.some((x) => x.port === port)) throw duplicateListener(lb.arn);
    const actions = input.DefaultActions ? await normalizeActions(tx, caller.scope, lb.arn, input.DefaultActions, arn) : l.defaultActions;
    // Also when only the protocol changes: the stored redirect must still be allowed.
    checkRedirectProtocol(protocol, actions);
    if (tls.certificate) await confirmCertificate(env, tx, caller.scope, tls.certificate);
    const next: ListenerDoc = { ...l, port, protocol, ...tlsFields(tls), defaultActions: actions };
    if (tls.certificate?.iamServerCertificateId === undefined) delete next.iamServerCertificateId;
    if (tls.sslPolicy) next.sslPolicy = tls.sslPolicy;
    else delete next.sslPolicy;
    if (!certificateList) delete next.certificateList;
    await bind(env, next, lb, siblings, material);
    try {
      await listeners.put(tx, next);
    } catch (e) {
      // Not stored: put the data plane back the way storage says it is.
      await bind(env, before, lb, siblings, beforeTls).catch(() => undefined);
      throw e;
    }
    return next;
  });
}

/** Everything that decides the certificates a listener presents. */
function tlsState(l: ListenerDoc): string {
  return JSON.stringify([l.protocol, l.sslPolicy ?? null, l.certificates, l.iamServerCertificateId ?? null, l.certificateList ?? []]);
}

/** The listener's certificates changed between reading their material and storing it. */
class TlsChanged extends Error {}

const TLS_ATTEMPTS = 5;

/**
 * Certificate material is read (keys unsealed, Bulwark-CA certificates issued) before the
 * transaction that stores a listener, since only the transaction may be used inside it. `once`
 * must throw TlsChanged from inside its transaction when the stored certificates are no longer
 * the ones `current` had; it is then run again on the listener as it now is.
 */
export async function retryOnTlsChange<T>(env: Elbv2Env, caller: Caller, first: ListenerDoc, once: (current: ListenerDoc) => Promise<T>): Promise<T> {
  let current = first;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(current);
    } catch (e) {
      if (!(e instanceof TlsChanged) || attempt >= TLS_ATTEMPTS) throw e;
      current = await mustListener(env.store, caller, first.arn);
    }
  }
}

/** Inside a transaction: throws TlsChanged when `stored` no longer has the certificates of `read`. */
export function assertTlsUnchanged(stored: ListenerDoc, read: ListenerDoc): void {
  if (tlsState(stored) !== tlsState(read)) throw new TlsChanged();
}

export async function deleteListener(env: Elbv2Env, caller: Caller, input: DeleteListenerInput): Promise<Record<string, never>> {
  const arn = checkListenerArn(input.ListenerArn);
  const current = await listeners.byArn(env.store, caller.scope, arn);
  await caller.authorize("DeleteListener", arn, resourceTagContext(current?.tags));
  noteResource(caller, arn, RESOURCE_TYPES.listener);
  await env.store.transaction(async (tx) => {
    const l = await mustListener(tx, caller, arn);
    await listeners.remove(tx, l);
  });
  await env.runtime.closeListener(arn);
  return {};
}
