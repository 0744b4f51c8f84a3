/**
 * Rules the engine cannot run. Every input problem the engine finds while compiling (a field,
 * transformation, regular expression or address it cannot honour) is one of these, so the
 * control plane can answer it as a parameter error rather than a fault of its own.
 */
export class WafCompileError extends Error {}
