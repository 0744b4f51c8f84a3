/**
 * Names of uploaded files that the web server would execute or that overwrite its own
 * configuration. The name is normalised the way servers and file systems end up reading
 * it — the directory part dropped, trailing dots, spaces and NTFS stream suffixes removed,
 * stray spaces before the extension folded ("shell. jsp"), NUL and ";" truncation applied
 * (shell.php%00.jpg, shell.asp;.jpg) — and then judged on:
 *   - server-side script extensions (PHP, JSP, ASP/ASP.NET, CGI scripts, server-side includes);
 *   - configuration files servers read from upload directories (.htaccess, .user.ini,
 *     web.config …) and well-known secrets (wp-config.php backups, .env, SSH keys, cloud
 *     credentials);
 *   - PHP session file names (sess_<id>), which let an upload plant a forged session.
 */

const SCRIPT_EXT = /\.(?:php\d*|phtml|pht|phpt|phar|phps|pgif|shtml|shtm|stm|inc|jsp|jspx|jspf|jsw|jsv|jtml|asp|aspx|asa|asax|ascx|ashx|asmx|axd|cer|cdx|cshtml|vbhtml|cfm|cfml|cfc|cgi)$/i;

const CONFIG_NAMES = /^(?:\.htaccess|\.htpasswd|\.htdigest|\.user\.ini|php\.ini|web\.config|global\.asax?|applicationhost\.config|\.env(?:\.\w+)?|\.git(?:config|-credentials)|\.npmrc|\.pypirc|\.netrc|\.pgpass|\.boto|\.s3cfg|\.dockercfg|credentials|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?|authorized_keys|known_hosts|\.bash_(?:history|profile|login|logout)|\.bashrc|\.profile|\.zshrc|\.ssh|crontab|passwd|shadow|sudoers)$/i;

/** wp-config.php and similar application configuration files, also as backups (wp-config.php.bak, wp-config_php.txt). */
const APP_CONFIG = /^(?:wp-config|configuration|localsettings|settings|config(?:_\w+)?|database|parameters|secrets)[._-]?(?:php|inc|ya?ml)(?:[._~-]?(?:bak|backup|old|orig|save|swp|tmp|txt|dist|\d))*$/i;

const PHP_SESSION = /^sess_[a-z0-9,-]{20,}$/i;

/** The file name as the server will store it. */
export function normaliseFileName(raw: string): string {
  let n = raw.replace(/\\/g, "/");
  n = n.slice(n.lastIndexOf("/") + 1);
  n = n.replace(/[\x00;].*$/, ""); // NUL and IIS ";" truncation
  n = n.replace(/::\$data$/i, "");
  n = n.replace(/[.\s]+$/, ""); // Windows drops trailing dots and spaces
  n = n.replace(/\s+\./g, ".").replace(/\.\s+/g, ".");
  return n;
}

/** True when an uploaded file name is a server-side script, a server or application configuration file, or a session file. */
export function detectRiskyFileName(raw: string): boolean {
  if (raw.length === 0 || raw.length > 1024) return false;
  const n = normaliseFileName(raw);
  if (n === "") return false;
  return SCRIPT_EXT.test(n) || CONFIG_NAMES.test(n) || APP_CONFIG.test(n) || PHP_SESSION.test(n);
}
