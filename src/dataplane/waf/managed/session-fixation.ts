/**
 * Session fixation: a session identifier handed to the application in a parameter instead
 * of a cookie, so that the victim ends up in a session the attacker chose. Judged on
 * parameter names (query, form and JSON bodies) together with where the request comes from:
 *  - the servers' own session cookie names (JSESSIONID, PHPSESSID, ASPSESSIONID…) in a
 *    parameter are always suspect;
 *  - any session-identifier-like name (…_session, ….sid, session-id, …session-token) is
 *    suspect when the Referer is another site — the victim followed a crafted link;
 *  - a value that sets a cookie (".cookie=…;expires=", http-equiv Set-Cookie).
 */
import type { RequestView } from "../request-view.js";
import { argPairs } from "./inputs.js";

const SERVER_SESSION = /^(?:jsessionid|phpsessid|aspsessionid\w*|asp\.net_sessionid|cfid|cftoken)$/i;
const SESSION_LIKE = /(?:session|sess|sid|session[-_.]?id|session[-_.]?token|login[-_.]?token)$|^(?:cakephp|shiny-token)$/i;
const SET_COOKIE = /\.cookie\b[\s\S]*?;\W*?(?:expires|domain|path)\W*?=|\bhttp-equiv\W+set-cookie\b/i;

function hostOf(url: string): string | undefined {
  const m = /^[a-z][\w+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^/:?#]*)/i.exec(url.trim());
  return m ? (m[1] as string).toLowerCase() : undefined;
}

/** The Referer names another site than the Host header. */
function offSite(view: RequestView): boolean {
  const ref = view.header("referer");
  if (ref === undefined) return false;
  const rh = hostOf(ref);
  if (rh === undefined) return false;
  const host = (view.header("host") ?? "").replace(/:\d+$/, "").toLowerCase();
  return host === "" || !(rh === host || rh.endsWith("." + host));
}

export function sessionFixation(view: RequestView): boolean {
  const pairs = argPairs(view);
  let offsite: boolean | undefined;
  for (const [name, value] of pairs) {
    const n = name.trim();
    if (SERVER_SESSION.test(n)) return true;
    if (SESSION_LIKE.test(n) && (offsite ??= offSite(view))) return true;
    if (value.indexOf(".cookie") >= 0 || value.toLowerCase().indexOf("set-cookie") >= 0) if (SET_COOKIE.test(value)) return true;
  }
  return false;
}
