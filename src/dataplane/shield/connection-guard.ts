/**
 * Shield standard protection: concurrent connections per client IP and per listener.
 * A connection over either limit is closed before any byte is read, so a flood of idle
 * connections from one address cannot starve other clients.
 */

export class ConnectionGuard {
  private readonly perIp = new Map<string, number>();
  private total = 0;
  /** Connections refused since start (for metrics and tests). */
  refused = 0;

  constructor(
    private readonly maxPerIp: number,
    private readonly maxTotal: number,
  ) {}

  /** True when the connection may proceed; the caller must release() it when it closes. */
  admit(ip: string): boolean {
    const n = this.perIp.get(ip) ?? 0;
    if ((this.maxPerIp > 0 && n >= this.maxPerIp) || (this.maxTotal > 0 && this.total >= this.maxTotal)) {
      this.refused++;
      return false;
    }
    this.perIp.set(ip, n + 1);
    this.total++;
    return true;
  }

  release(ip: string): void {
    const n = this.perIp.get(ip);
    if (n === undefined) return;
    if (n <= 1) this.perIp.delete(ip);
    else this.perIp.set(ip, n - 1);
    this.total--;
  }

  open(ip?: string): number {
    return ip === undefined ? this.total : (this.perIp.get(ip) ?? 0);
  }
}

/** "::ffff:1.2.3.4" → "1.2.3.4" (clients are identified by their IPv4 address). */
export function normalizeIp(addr: string | undefined): string {
  if (addr === undefined) return "";
  return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
}
