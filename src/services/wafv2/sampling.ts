/**
 * Sampled requests for GetSampledRequests, kept in memory per (web ACL, metric name):
 * a ring of the most recent samples (bounded) and a longer ring of arrival times, so the
 * population of a time window can be counted up to the 5,000 requests AWS samples from.
 * Samples older than three hours are never returned.
 */
export const SAMPLE_WINDOW_MS = 3 * 60 * 60 * 1000;

/**
 * What a sample keeps of the request, as the data plane saw it: GetSampledRequests shapes it
 * into an HTTPRequest only when asked, so recording costs no per-header objects on the request
 * path. The arrays are the request's own (never modified once inspected).
 */
export interface SampledRequestFields {
  clientIp: string;
  country?: string | undefined;
  path: string;
  method: string;
  httpVersion: string;
  headers: ReadonlyArray<readonly [string, string]>;
}

export interface Sample {
  time: number;
  request: SampledRequestFields;
  action: string;
  ruleNameWithinRuleGroup?: string | undefined;
  labels: readonly string[];
  /** Status of a custom response WAF sent. */
  responseCode?: number | undefined;
  /** Headers WAF inserted into the forwarded request (name, value). */
  headersInserted?: ReadonlyArray<readonly [string, string]> | undefined;
  overriddenAction?: string | undefined;
}

class Ring<T> {
  private readonly items: Array<T | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(v: T): void {
    this.items[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Oldest first. */
  *values(): Generator<T> {
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) yield this.items[(start + i) % this.capacity] as T;
  }
}

interface Series {
  samples: Ring<Sample>;
  times: Ring<number>;
}

export interface SampleQuery {
  samples: Sample[];
  populationSize: number;
}

export class RequestSampler {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly sampleCapacity = 500,
    private readonly populationCapacity = 5000,
  ) {}

  private static key(aclArn: string, metric: string): string {
    return `${aclArn}\n${metric}`;
  }

  record(aclArn: string, metric: string, sample: Sample): void {
    const key = RequestSampler.key(aclArn, metric);
    let s = this.series.get(key);
    if (!s) {
      s = { samples: new Ring(this.sampleCapacity), times: new Ring(this.populationCapacity) };
      this.series.set(key, s);
    }
    s.samples.push(sample);
    s.times.push(sample.time);
  }

  /** Samples with start <= time <= end, oldest first, at most `max`; population counts every request in the window. */
  query(aclArn: string, metric: string, start: number, end: number, max: number): SampleQuery {
    const s = this.series.get(RequestSampler.key(aclArn, metric));
    if (!s) return { samples: [], populationSize: 0 };
    let populationSize = 0;
    for (const t of s.times.values()) if (t >= start && t <= end) populationSize++;
    const samples: Sample[] = [];
    for (const v of s.samples.values()) {
      if (v.time >= start && v.time <= end) samples.push(v);
      if (samples.length >= max) break;
    }
    return { samples, populationSize };
  }

  /** Drops everything recorded for a web ACL (deleted, or changed beyond recognition). */
  forget(aclArn: string): void {
    const prefix = `${aclArn}\n`;
    for (const k of this.series.keys()) if (k.startsWith(prefix)) this.series.delete(k);
  }
}
