/**
 * The AWS partition of this installation (`aws`, `aws-cn`, `aws-us-gov`, `aws-eusc`, …): the second
 * segment of every ARN Bulwark makes, and the only partition whose ARNs name something here.
 *
 * Process-wide state, the one departure from "no module singletons" (docs/architecture.md,
 * "The installation's partition"): ARNs are made and parsed in some forty places across every
 * service, the policy engine and the data plane, and the partition is a fact of the data directory
 * that never changes while a process has it open. What must stay true:
 *  - `usePartition` is called by `openCore` (src/app.ts) with the data directory's stored partition,
 *    before any service is created, so nothing is served, stored or parsed under another one;
 *  - it is called at most with one value per process (a second, different one throws), so a process
 *    never holds ARNs of two partitions;
 *  - until it is called, the partition is `aws` (unit tests that never open a data directory).
 * Node's test runner runs each test file in its own process, so a test file that opens an
 * installation of another partition affects no other file.
 */

/** AWS's partition ids, as the SDK's partitions.json lists them. */
export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"] as const;
export type Partition = (typeof PARTITIONS)[number];

export const DEFAULT_PARTITION: Partition = "aws";

let current: Partition = DEFAULT_PARTITION;
let fixed = false;

export function isPartition(s: string): s is Partition {
  return (PARTITIONS as readonly string[]).includes(s);
}

/** Fixes the partition of this process (see above); a second call must name the same one. */
export function usePartition(p: Partition): void {
  if (fixed && p !== current) {
    throw new Error(`This process already serves the ${current} partition; an installation of the ${p} partition needs a process of its own`);
  }
  current = p;
  fixed = true;
}

/** The installation's partition. */
export function partition(): Partition {
  return current;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>` in the installation's partition. */
export function arn(service: string, region: string, account: string, resource: string): string {
  return `arn:${current}:${service}:${region}:${account}:${resource}`;
}

/** `arn:<partition>:iam::<account>:<resource>` (users, roles, policies, `root`, …; account `aws` for AWS managed policies). */
export function iamArn(account: string, resource: string): string {
  return `arn:${current}:iam::${account}:${resource}`;
}

/** `arn:<partition>:iam::<account>:root`, the account's root user (the account as a principal). */
export function accountRootArn(account: string): string {
  return `arn:${current}:iam::${account}:root`;
}

/** `arn:<partition>:` — what every ARN of the installation starts with. */
export function arnPrefix(): string {
  return `arn:${current}:`;
}

/** A pattern of ARNs of the installation's partition (its `source` with the partition in it). */
export interface ArnPattern {
  exec(s: string): RegExpExecArray | null;
  test(s: string): boolean;
  readonly source: string;
}

const AWS_PREFIX = "^arn:aws:";

/**
 * A regular expression of ARNs written for the `aws` partition (its source must start with
 * `^arn:aws:`) that matches the same ARNs in the installation's partition, and no other partition's:
 * `arnPattern(/^arn:aws:iam::(\d{12}):root$/)` matches `arn:aws-cn:iam::111122223333:root` in an
 * `aws-cn` installation and not `arn:aws:iam::111122223333:root`. Compiled on first use, once the
 * partition is known (module constants are evaluated before `usePartition` runs). No `g`/`y` flags:
 * the compiled expression is shared.
 */
export function arnPattern(re: RegExp): ArnPattern {
  if (!re.source.startsWith(AWS_PREFIX) || re.global || re.sticky) throw new Error(`arnPattern: ${re} must start with ${AWS_PREFIX} and be neither global nor sticky`);
  let compiled: { p: Partition; re: RegExp } | undefined;
  const get = (): RegExp => {
    if (compiled?.p !== current) compiled = { p: current, re: new RegExp(`^arn:${current}:${re.source.slice(AWS_PREFIX.length)}`, re.flags) };
    return compiled.re;
  };
  return {
    exec: (s) => get().exec(s),
    test: (s) => get().test(s),
    get source() {
      return get().source;
    },
  };
}
