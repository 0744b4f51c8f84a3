/** The IAM policy engine: parse/validate policies, evaluate requests the way AWS does. */
export { PolicyParseError } from "./errors.js";
export { parsePolicy } from "./parse.js";
export { evaluate, statementMatchesAction } from "./evaluate.js";
export { statementPositions, type StatementPosition } from "./positions.js";
export { principalContext, requestTimeContext } from "./principal-context.js";
export type {
  PolicyKind,
  ParsedPolicy,
  ParseOptions,
  EvaluationInput,
  EvaluationResult,
  CompiledStatement,
  EvaluationTrace,
  MatchedStatementRef,
  PolicySlot,
} from "./types.js";
