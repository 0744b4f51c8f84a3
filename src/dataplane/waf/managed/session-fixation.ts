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
import { itemOf, verdict, verdictSlot, type Item } from "../verdicts.js";

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

/** Verdicts per parameter name and value (pure functions of the text, remembered per value). */
const SERVER_NAME = verdictSlot("session-fixation:server-session-name");
const SESSION_NAME = verdictSlot("session-fixation:session-like-name");
const COOKIE_VALUE = verdictSlot("session-fixation:sets-cookie");
const isServerSession = (it: Item): boolean => SERVER_SESSION.test(it.value.trim());
const isSessionLike = (it: Item): boolean => SESSION_LIKE.test(it.value.trim());
const setsCookie = (it: Item): boolean => (it.value.indexOf(".cookie") >= 0 || /set-cookie/i.test(it.value)) && SET_COOKIE.test(it.value);

export function sessionFixation(view: RequestView): boolean {
  const pairs = argPairs(view);
  let offsite: boolean | undefined;
  for (const [name, value] of pairs) {
    const n = itemOf(name);
    if (verdict(n, SERVER_NAME, isServerSession)) return true;
    if (verdict(n, SESSION_NAME, isSessionLike) && (offsite ??= offSite(view))) return true;
    if (value !== "" && verdict(itemOf(value), COOKIE_VALUE, setsCookie)) return true;
  }
  return false;
}
