import type { ServiceDefinition } from "../services/types.js";
import { engineFor, type ProtocolEngine, type WireRequest } from "../protocol/index.js";

export interface RegisteredService {
  def: ServiceDefinition;
  engine: ProtocolEngine;
}

/** Services by SigV4 signing name and by awsJson target prefix; built once at start-up. */
export class ServiceRegistry {
  private readonly bySigningName = new Map<string, RegisteredService>();
  private readonly byTargetPrefix = new Map<string, RegisteredService>();
  /** Services with operations that accept unsigned requests (sts:AssumeRoleWithWebIdentity). */
  private readonly withUnsigned: RegisteredService[] = [];
  /** Services of the query protocol, told apart by a request's Action and Version. */
  private readonly queryServices: RegisteredService[] = [];

  register(def: ServiceDefinition): void {
    if (this.bySigningName.has(def.signingName)) throw new Error(`Service ${def.signingName} registered twice`);
    const engine = engineFor(def.protocol);
    engine.prepare(def);
    const entry = { def, engine };
    this.bySigningName.set(def.signingName, entry);
    for (const prefix of [def.targetPrefix, ...(def.targetPrefixAliases ?? [])]) if (prefix) this.byTargetPrefix.set(prefix, entry);
    if (Object.values(def.operations).some((op) => op.unsigned === true)) this.withUnsigned.push(entry);
    if (def.protocol === "awsQuery") this.queryServices.push(entry);
  }

  bySigning(name: string): RegisteredService | undefined {
    return this.bySigningName.get(name);
  }

  byTarget(target: string | undefined): RegisteredService | undefined {
    if (!target) return undefined;
    const dot = target.lastIndexOf(".");
    return dot > 0 ? this.byTargetPrefix.get(target.slice(0, dot)) : undefined;
  }

  /**
   * The service of a request without SigV4 that names an operation accepting unsigned requests
   * (the query protocol's Action and Version, the awsJson target), if any.
   */
  byUnsignedOperation(req: WireRequest): RegisteredService | undefined {
    return resolving(this.withUnsigned, req, (op) => op.unsigned === true);
  }

  /**
   * The query-protocol service whose operation a request names by Action and Version, for
   * answering a request without a usable signature the way that service does (its XML
   * namespace, its audit event source); undefined when none does.
   */
  byQueryOperation(req: WireRequest): RegisteredService | undefined {
    return resolving(this.queryServices, req, () => true);
  }

  all(): ServiceDefinition[] {
    return [...this.bySigningName.values()].map((s) => s.def);
  }
}

/** The first of `entries` whose protocol resolves the request to an operation that `accept`s. */
function resolving(entries: readonly RegisteredService[], req: WireRequest, accept: (op: ServiceDefinition["operations"][string]) => boolean): RegisteredService | undefined {
  for (const entry of entries) {
    let name: string;
    try {
      name = entry.engine.resolveOperation(entry.def, req);
    } catch {
      continue;
    }
    const op = entry.def.operations[name];
    if (op !== undefined && accept(op)) return entry;
  }
  return undefined;
}
