/**
 * Puts String.prototype back in V8's fast-properties mode after a module defined a class that
 * extends String.
 *
 * When a class extends String, V8 turns String.prototype into a dictionary-mode object, as it does
 * with any object while it is being set up as a prototype. Property loads through an object whose
 * prototype it is turn it back into a fast object; loads on string primitives never do. So it can
 * stay in dictionary mode for the life of the process, and then optimised code cannot inline any
 * String.prototype method. Every `s.indexOf(…)`, `s.slice(…)` or `s.charCodeAt(i)` goes through a
 * generic property lookup instead. That costs about a twentieth of the instructions of a KMS
 * Encrypt (bench/README.md, "String.prototype back in fast mode"). ioredis's `VerbatimString` is such a class.
 *
 * A few loads through a String wrapper object, from a function with inline caches of its own, have
 * V8 make the prototype fast again. This only affects V8's representation; what any property
 * holds is unchanged.
 */
function loadThrough(s: object): unknown {
  return (s as { charCodeAt?: unknown }).charCodeAt;
}

export function keepStringPrototypeFast(): void {
  const wrapper = Object(""); // a String wrapper object, whose prototype is String.prototype
  for (let i = 0; i < 16; i++) loadThrough(wrapper);
}
