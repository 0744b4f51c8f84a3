/**
 * Operator-updatable IP lists behind AWSManagedRulesAmazonIpReputationList and
 * AWSManagedRulesAnonymousIpList.
 *
 * File format (UTF-8 text): one IPv4/IPv6 address or CIDR per line; blank lines and anything
 * after "#" are ignored. Example:
 *     # Tor exit nodes, updated 2026-01-01
 *     198.51.100.7
 *     203.0.113.0/24
 *     2001:db8::/32
 * Reload by calling loadIpList again and recompiling the web ACLs (compile is cheap).
 */
import { readFileSync } from "node:fs";
import { createIpMatcher, type IpMatcher } from "../ip.js";
import { arn } from "../../../core/partition.js";

export type ManagedIpListName = "AWSManagedIPReputationList" | "AWSManagedReconnaissanceList" | "AWSManagedIPDDoSList" | "AnonymousIPList" | "HostingProviderIPList";
export type ManagedIpLists = Partial<Record<ManagedIpListName, IpMatcher>>;

export function parseIpList(text: string): IpMatcher {
  const entries: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const hash = line.indexOf("#");
    const v = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (v !== "") entries.push(v);
  }
  return createIpMatcher(entries);
}

/** Reads an IP list file (format above). Throws on unreadable files or invalid entries, naming the entry. */
export function loadIpList(path: string): IpMatcher {
  return parseIpList(readFileSync(path, "utf8"));
}

export function managedIpListArn(name: ManagedIpListName): string {
  return arn("wafv2", "", "", `bulwark-managed-ip-list/${name}`);
}
