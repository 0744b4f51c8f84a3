/**
 * LabelMatchStatement semantics. A key that starts with "awswaf:" is fully qualified and is
 * compared with labels from any context; a partial key is looked up among labels added in the
 * statement's own context (its web ACL or rule group namespace), as AWS does.
 *  - LABEL: the key is the label name with any number of preceding namespaces.
 *  - NAMESPACE: the key is one or more contiguous namespaces (trailing colon optional).
 */
export function compileLabelMatch(scope: string, key: string, contextNs: string): (labels: readonly string[]) => boolean {
  const fq = key.startsWith("awswaf:");
  if (scope === "LABEL") {
    if (fq) return (labels) => labels.includes(key);
    const exact = contextNs + key;
    const suffix = ":" + key;
    return (labels) => {
      for (const l of labels) if (l === exact || (l.startsWith(contextNs) && l.endsWith(suffix))) return true;
      return false;
    };
  }
  const ns = key.endsWith(":") ? key : key + ":";
  if (fq) return (labels) => labels.some((l) => l.startsWith(ns) && l.length > ns.length);
  return (labels) => {
    for (const l of labels) {
      if (!l.startsWith(contextNs)) continue;
      const rest = l.slice(contextNs.length);
      const lastColon = rest.lastIndexOf(":");
      if (lastColon < 0) continue;
      const namespaces = ":" + rest.slice(0, lastColon + 1);
      if (namespaces.includes(":" + ns)) return true;
    }
    return false;
  };
}
