/** The IAM policy engine: parse/validate policies, evaluate requests the way AWS does. */
export { PolicyParseError } from "./errors.js";
export { parsePolicy } from "./parse.js";
export { evaluate } from "./evaluate.js";
export { principalContext, requestTimeContext } from "./principal-context.js";
export type {
  PolicyKind,
  ParsedPolicy,
  ParseOptions,
  EvaluationInput,
  EvaluationResult,
  CompiledStatement,
} from "./types.js";
