/**
 * Remote file inclusion: a value that points an include at a remote location — a URL whose
 * host is a bare IP address (IPv4 or IPv6, as RFI drop sites usually are), a URL ending in
 * "?" (or "??") so that the application's own suffix becomes a query string, or any URL
 * handed to a parameter whose name says it holds a path for the application to load
 * (…_path, …dir, include, template …).
 */

const REMOTE = /^\s*(?:(?:ht|f)tps?|file|gopher|dict|ldap|tftp|smb|sftp):\/\/(?:[^\/@\s]*@)?(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7})(?=[\/:?#]|$)/i;
const QUESTION_SUFFIX = /^\s*(?:file|ftps?|https?)\b[^\s]*\?+\s*$/i;
const URL = /^\s*(?:(?:ht|f)tps?|php|data|expect|zip|phar|file):(?:\/\/)?\S/i;
const PATH_NAME = /(?:^|[_\[.-])(?:path|dir|directory|root|include|inc|require|file|folder|module|template|tpl|theme|skin|lang|language|conf|config)\]?$|absolute_?path|base_?(?:path|dir)/i;

/** True when a value alone is a remote-inclusion URL. */
export function detectRfi(value: string): boolean {
  return value.length > 3 && ((value.indexOf(":") >= 0 && REMOTE.test(value)) || (value.indexOf("?") >= 0 && QUESTION_SUFFIX.test(value)));
}

/** True when the parameter `name` holds a path to load and `value` is a URL. */
export function detectRfiParameter(name: string, value: string): boolean {
  return detectRfi(value) || (value.indexOf(":") >= 0 && PATH_NAME.test(name) && URL.test(value));
}
