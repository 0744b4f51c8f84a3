/** Minimal ARN parsing with STS's acceptance rules ("<arn> is invalid" otherwise). */
import { validationError } from "./validation.js";

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const [, partition = "", service = "", region = "", account = ""] = parts;
  const resource = parts.slice(5).join(":");
  if (partition === "" || service === "" || resource === "") return undefined;
  return { partition, service, region, account, resource };
}

/** Parses or throws STS's ValidationError "<arn> is invalid". */
export function requireArn(arn: string): ParsedArn {
  const parsed = parseArn(arn);
  if (!parsed) throw validationError(`${arn} is invalid`);
  return parsed;
}
