/**
 * LDAP filter injection: a value that closes the filter component it is pasted into — a
 * ")" the value itself never opened — and then opens new components: ")(uid=*)",
 * "*)(|(objectClass=*", ")!(sn=*", "admin)(|", ")&(cn=admin". A complete, balanced filter
 * (an administrator's search form) and parentheses in prose ("(see above) (and below)")
 * do not break out of anything and pass.
 */
const OPENS = /^\s*[&|!]?\s*\(\s*(?:[&|!]|[\w.;:-]+\s*[~<>]?=|\)|$)/;

/** True when `input` carries an LDAP filter injection. */
export function detectLdap(input: string): boolean {
  if (input.length < 2 || input.indexOf(")") < 0) return false;
  let depth = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      // A ")" closing something opened outside the value, followed by a new component.
      if (depth < 0) {
        let j = i + 1;
        while (input.charCodeAt(j) === 41) j++;
        if (OPENS.test(input.slice(j, j + 64))) return true;
      }
    }
  }
  return false;
}
