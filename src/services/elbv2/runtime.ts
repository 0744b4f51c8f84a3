/**
 * Stored ELBv2 resources → data-plane specs, and the start-up restore that reopens every
 * stored listener (a listener whose port is taken is reported and skipped; it is retried
 * on the next start or when modified).
 */
import type { ListenerAction, ListenerSpec, LoadBalancerSpec, TargetGroupSpec } from "../../dataplane/runtime-types.js";
import { PortUnavailableError } from "../../dataplane/runtime-types.js";
import { deregistrationDelay, loadBalancerSettings, targetGroupAlgorithm } from "./attributes.js";
import { certificateMaterial, bulwarkCaCertificateArn } from "./certificates.js";
import type { Elbv2Env } from "./env.js";
import { COLLECTIONS, type ActionDoc, type ListenerDoc, type LoadBalancerDoc, type TargetGroupDoc } from "./model.js";
import { everything, loadBalancers } from "./store.js";

export function loadBalancerSpec(lb: LoadBalancerDoc): LoadBalancerSpec {
  return { arn: lb.arn, name: lb.name, dnsName: lb.dnsName, settings: loadBalancerSettings(lb.attributes) };
}

export function targetGroupSpec(tg: TargetGroupDoc): TargetGroupSpec {
  const hc = tg.healthCheck;
  return {
    arn: tg.arn,
    protocol: tg.protocol,
    port: tg.port,
    healthCheck: {
      enabled: hc.enabled,
      protocol: hc.protocol,
      port: hc.port === "traffic-port" ? "traffic-port" : Number(hc.port),
      path: hc.path,
      intervalSeconds: hc.intervalSeconds,
      timeoutSeconds: hc.timeoutSeconds,
      healthyThreshold: hc.healthyThreshold,
      unhealthyThreshold: hc.unhealthyThreshold,
      matcher: hc.matcher,
    },
    deregistrationDelaySeconds: deregistrationDelay(tg.attributes),
    algorithm: targetGroupAlgorithm(tg.attributes),
    targets: tg.targets.map((t) => ({ id: t.id, port: t.port })),
  };
}

/** The listener's effective action: the last in Order (authenticate-* actions are not supported). */
export function actionSpec(actions: readonly ActionDoc[]): ListenerAction {
  const a = [...actions].sort((x, y) => x.Order - y.Order)[actions.length - 1];
  if (!a) return { type: "fixed-response", statusCode: 503 };
  if (a.Type === "fixed-response") {
    const f = a.FixedResponseConfig!;
    return { type: "fixed-response", statusCode: Number(f.StatusCode), ...(f.ContentType ? { contentType: f.ContentType } : {}), ...(f.MessageBody !== undefined ? { messageBody: f.MessageBody } : {}) };
  }
  if (a.Type === "redirect") {
    const r = a.RedirectConfig!;
    return { type: "redirect", protocol: r.Protocol, host: r.Host, port: r.Port, path: r.Path, query: r.Query, statusCode: r.StatusCode === "HTTP_301" ? 301 : 302 };
  }
  return { type: "forward", targetGroups: (a.ForwardConfig?.TargetGroups ?? []).map((g) => ({ arn: g.TargetGroupArn, weight: g.Weight })) };
}

const TLS13_ONLY = /TLS13-1-3/;

type TlsFields = Pick<ListenerDoc, "protocol" | "certificates" | "iamServerCertificateId" | "certificateList" | "accountId" | "region">;

/**
 * Certificate material an HTTPS listener presents: its default certificate (issued by the
 * Bulwark CA when it names that ARN) and each certificate of its certificate list. Reads
 * storage and unseals keys: call it outside the transaction that stores the listener.
 */
export async function listenerTls(env: Elbv2Env, l: TlsFields, lb: LoadBalancerDoc): Promise<TlsMaterial | undefined> {
  if (l.protocol !== "HTTPS") return undefined;
  const arn = l.certificates[0]?.CertificateArn ?? bulwarkCaCertificateArn({ accountId: l.accountId, region: l.region });
  const material = await certificateMaterial(env, lb, { arn, ...(l.iamServerCertificateId !== undefined ? { iamServerCertificateId: l.iamServerCertificateId } : {}) });
  const list = l.certificateList ?? [];
  if (list.length === 0) return material;
  const certificateList: CertificatePair[] = [];
  for (const c of list) certificateList.push(await certificateMaterial(env, lb, { arn: c.CertificateArn, ...(c.iamServerCertificateId !== undefined ? { iamServerCertificateId: c.iamServerCertificateId } : {}) }));
  return { ...material, certificateList };
}

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

export interface TlsMaterial extends CertificatePair {
  /** The certificate list's material, in list order. */
  certificateList?: CertificatePair[];
}

/** The data-plane spec of a listener; `tls` must be given for HTTPS (see listenerTls). */
export function listenerSpec(l: ListenerDoc, tls: TlsMaterial | undefined): ListenerSpec {
  const base = { arn: l.arn, loadBalancerArn: l.loadBalancerArn, port: l.port, protocol: l.protocol, action: actionSpec(l.defaultActions) };
  if (l.protocol !== "HTTPS" || !tls) return base;
  const minVersion = TLS13_ONLY.test(l.sslPolicy ?? "") ? "TLSv1.3" : "TLSv1.2";
  return { ...base, tls: { certPem: tls.certPem, keyPem: tls.keyPem, minVersion, ...(tls.certificateList?.length ? { certificates: tls.certificateList } : {}) } };
}

/** Reopens everything stored; returns how many listeners serve and which could not be opened. */
export async function restoreAll(env: Elbv2Env): Promise<{ opened: number; failed: string[] }> {
  const lbs = await everything<LoadBalancerDoc>(env.store, COLLECTIONS.loadBalancers);
  for (const lb of lbs) env.runtime.putLoadBalancer(loadBalancerSpec(lb));
  for (const tg of await everything<TargetGroupDoc>(env.store, COLLECTIONS.targetGroups)) env.runtime.putTargetGroup(targetGroupSpec(tg));
  let opened = 0;
  const failed: string[] = [];
  for (const l of await everything<ListenerDoc>(env.store, COLLECTIONS.listeners)) {
    const lb = await loadBalancers.byId(env.store, { accountId: l.accountId, region: l.region }, l.lbId);
    if (!lb) continue;
    try {
      await env.runtime.openListener(listenerSpec(l, await listenerTls(env, l, lb)));
      opened++;
    } catch (e) {
      failed.push(l.arn);
      env.warn("listener could not be reopened", {
        listenerArn: l.arn,
        port: l.port,
        reason: e instanceof PortUnavailableError ? (e.osCode ?? `held by ${e.holderArn ?? "another listener"}`) : e instanceof Error ? e.name : "unknown",
      });
    }
  }
  return { opened, failed };
}
