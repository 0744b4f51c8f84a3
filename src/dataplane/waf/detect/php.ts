/**
 * PHP code injection. What is judged is PHP syntax, not the mere mention of PHP words:
 *
 *  - opening tags (<?php, <?=, a bare "<?" that is not an XML declaration) and the
 *    template-engine PHP tags ([php], {php});
 *  - superglobals and the variable-variable / complex-variable syntax (${'x'}, $ {$a},
 *    $__[$_[1]](…)) that only PHP code contains;
 *  - calls of PHP functions: the high-risk ones (system, shell_exec, base64_decode …)
 *    when written as code (a call at the start of the value or after code punctuation, or
 *    the whole value being the function's name), other built-ins when the whole value is
 *    a call expression ("printf(foo)", "is_array()");
 *  - calls through a computed callee, after de-obfuscation: ("sys"."tem")('ls'),
 *    (system)(ls), ['system'][0]('id'), "\x73ystem"(ls), (string) {[system][0]} (…);
 *  - serialized objects, PHP stream wrappers, php.ini directives set through a value.
 */
import { jsUnescape } from "./decode.js";

/** Functions whose call executes code or commands, reads or writes files, or decodes hidden payloads. */
const HIGH_RISK = [
  "system", "exec", "shell_exec", "passthru", "popen", "proc_open", "pcntl_exec", "pcntl_fork", "eval", "assert", "assert_options", "create_function",
  "call_user_func", "call_user_func_array", "forward_static_call", "forward_static_call_array", "func_get_args", "register_shutdown_function", "register_tick_function",
  "preg_replace", "preg_replace_callback", "mb_ereg_replace", "ereg_replace", "array_map", "array_filter", "array_walk", "array_reduce", "usort", "uasort", "uksort", "iterator_apply",
  "base64_decode", "gzinflate", "gzuncompress", "gzdecode", "gzopen", "bzdecompress", "bzopen", "zlib_decode", "str_rot13", "convert_uudecode", "hex2bin", "strrev",
  "file_get_contents", "file_put_contents", "fopen", "fwrite", "fputs", "fread", "fgets", "readfile", "fpassthru", "file", "highlight_file", "show_source", "php_strip_whitespace",
  "include", "include_once", "require", "require_once", "unlink", "rmdir", "mkdir", "rename", "copy", "chmod", "chown", "symlink", "tempnam", "tmpfile", "move_uploaded_file",
  "fsockopen", "pfsockopen", "stream_socket_client", "stream_socket_server", "socket_create", "curl_init", "curl_exec", "curl_multi_exec", "ftp_connect", "mail", "imap_open",
  "phpinfo", "php_uname", "getenv", "putenv", "ini_set", "ini_get", "ini_alter", "ini_restore", "set_include_path", "dl", "apache_setenv", "posix_kill", "posix_setuid", "posix_getpwuid", "posix_mkfifo",
  "unserialize", "extract", "parse_str", "import_request_variables", "mb_parse_str", "get_defined_vars", "get_defined_functions", "get_defined_constants", "var_dump", "var_export", "print_r", "debug_zval_dump",
  "ob_start", "set_error_handler", "set_exception_handler", "spl_autoload_register", "escapeshellarg", "escapeshellcmd", "glob", "scandir", "opendir", "readdir", "dir", "is_writable", "is_writeable",
  "session_start", "simplexml_load_string", "simplexml_load_file", "xmlrpc_decode", "yaml_parse", "igbinary_unserialize", "msgpack_unpack", "reflectionfunction", "closure::fromcallable",
];
/** Other built-ins: flagged when the whole value is a call of one of them. */
const BUILTIN = [
  "printf", "sprintf", "vsprintf", "print", "echo", "intval", "floatval", "strval", "settype", "gettype", "is_array", "is_string", "is_numeric", "is_callable", "function_exists", "method_exists", "class_exists",
  "strip_tags", "addslashes", "stripslashes", "htmlspecialchars", "html_entity_decode", "htmlentities", "urldecode", "rawurldecode", "urlencode", "base64_encode", "md5", "sha1", "crc32", "crypt", "hash", "hash_hmac",
  "substr", "strlen", "strpos", "str_replace", "str_repeat", "str_pad", "strtolower", "strtoupper", "ucfirst", "trim", "explode", "implode", "join", "chr", "ord", "pack", "unpack", "sprintf", "number_format",
  "array_keys", "array_values", "array_merge", "array_slice", "array_search", "in_array", "count", "sizeof", "range", "compact", "list", "each", "current", "next", "reset", "end", "key",
  "json_decode", "json_encode", "serialize", "var_dump", "constant", "define", "defined", "filegroup", "fileowner", "fileperms", "filesize", "filemtime", "file_exists", "is_file", "is_dir", "is_readable", "realpath", "basename", "dirname", "pathinfo", "touch",
  "date", "time", "mktime", "strtotime", "microtime", "sleep", "usleep", "uniqid", "rand", "mt_rand", "random_bytes", "openssl_decrypt", "openssl_encrypt", "mcrypt_decrypt", "die", "exit",
];
const HIGH_SET = new Set(HIGH_RISK);
const ALL_SET = new Set([...HIGH_RISK, ...BUILTIN]);
/** High-risk names that are not English words either: a value that is just the name is suspect. */
const DISTINCT = new Set(HIGH_RISK.filter((f) => f.includes("_") || /^(?:gzinflate|gzuncompress|gzdecode|bzdecompress|passthru|popen|fsockopen|pfsockopen|phpinfo|hex2bin|strrev|readfile|fpassthru|unserialize)$/.test(f)));

/** <?php followed by code, <?= , a short tag before PHP code, a dangling "<?", a fake <?xml, [php] / {php} template tags. */
const TAGS = /<\?(?:\s*php\s|=|\s*$)|<\?\s+(?:echo|print|if|foreach|include|require|system|eval|exec|\$\w)\b|<\?xml(?!\s+version\s*=|-stylesheet\b)[\s:]|[\[{]\\?\/?php[\]}]/i;
const SUPERGLOBALS = /\$_(?:get|post|cookie|server|request|files|env|session)\b|\$globals\b|\$http_(?:raw_post_data|get_vars|post_vars|cookie_vars|server_vars)\b/i;
/** ${'name'}, ${$a}, ${@_.__}, "$ {" (whitespace JS templates never have), $$x, $_[…](…) and $x(…) calls. */
const CONSTANT_VAR = /\$\{\s*[A-Z_][A-Z0-9_]*\s*\}/;
const VARIABLES = /\$\s*\{\s*['"$@]|\$\s+\{|\$\$+[a-z_{]|\$_+\s*(?:\[(?:[^\[\]]|\[[^\]]*\])*\]\s*|\{[^}]*\}\s*)+\(|\$[a-z_]\w*\s*(?:\[[^\]]*\]\s*)*\(\s*['"$)\w]|\$\{[^}]*\}\s*(?:\[[^\]]*\]\s*)*\(/i;
const SERIALIZED = /\b[oc]:\d+:"[\w\\]+":\d+:\{|\ba:\d+:\{(?:[sibdno]:\d*[:;])/i;
const WRAPPERS = /\b(?:php|phar|zip|expect|glob|zlib|compress\.\w+|ogg|rar|ssh2\.\w+):\/\/|\bphp:\/\/(?:input|filter|fd|memory|temp)/i;
const INI = /(?:^|[\s;])(?:allow_url_(?:fopen|include)|auto_(?:prepend|append)_file|open_basedir|disable_(?:functions|classes)|extension_dir|memory_limit|max_execution_time|max_input_time|post_max_size|upload_max_filesize|upload_tmp_dir|include_path|error_log|error_reporting|display_(?:startup_)?errors|log_errors|register_globals|magic_quotes_\w+|short_open_tag|expose_php|safe_mode\w*|sendmail_(?:path|from)|session\.\w+|opcache\.\w+|mbstring\.\w+|pcre\.\w+|zend\.\w+|phar\.\w+|assert\.\w+|unserialize_max_depth|user_ini\.\w+|auto_detect_line_endings|enable_dl|cgi\.\w+|fastcgi\.\w+|mail\.\w+|sys_temp_dir|xdebug\.\w+)\s*=/i;

/** Strips PHP comments (/* … *\/, // and # to end of line) without touching strings much. */
function stripComments(s: string): string {
  if (s.indexOf("/*") < 0 && s.indexOf("//") < 0 && s.indexOf("#") < 0) return s;
  return s.replace(/\/\*[\s\S]*?(?:\*\/|$)|(?<![:\w])\/\/[^\n]*|#[^\n{]*(?=\n)/g, " ");
}

/** A call of a known function written as code. */
function functionCall(s: string): boolean {
  const re = /([a-z_][\w]*)\s*\(/gi;
  let m: RegExpExecArray | null;
  const whole = s.length < 256 && /^\s*['"]?\s*[a-z_]\w*\s*\([^()]*(?:\([^()]*\)[^()]*)*\)?\s*['"]?\s*;?\s*$/i.test(s);
  while ((m = re.exec(s)) !== null) {
    const name = (m[1] as string).toLowerCase();
    if (!ALL_SET.has(name) && !/^(?:posix|pcntl|proc|shell|stream_socket|ftp|ssh2|curl|imap|ldap|apache|openssl)_\w+$/.test(name)) continue;
    const before = s.slice(Math.max(0, m.index - 16), m.index);
    if (/[\w$>:\\-]$/.test(before)) continue; // part of a longer name, a method, a namespace
    // A whole value that is a call: "printf(foo)", "is_array ()"; "copy (2 pages)" is a phrase.
    if (whole && (/\($/.test(m[0] as string) && !/\s\($/.test(m[0] as string) || name.includes("_"))) return true;
    if (!HIGH_SET.has(name) && !/^(?:posix|pcntl|proc|shell|ssh2)_/.test(name)) continue;
    // Code context: start of the value, after code punctuation, or after echo/return/print.
    if (/(?:^|[;{}()=.,!&|?:'"@\[]|\b(?:return|echo|print|and|or|xor)\s)\s*$/i.test(before)) {
      // "system (see above)" in prose has an argument that is a phrase, not code.
      const rest = s.slice(m.index + (m[0] as string).length - 1);
      const args = /^\(([^()]*)\)?/.exec(rest);
      const a = args?.[1] ?? "";
      if (args && /^\s*[a-z]+(?:\s+[a-z]+){2,}\s*$/i.test(a) && !/['"$]/.test(a)) continue;
      // "copy (2 pages)": a common word, a space, then a phrase in parentheses is prose.
      if (!name.includes("_") && /\s\($/.test(m[0] as string) && !/['"$]/.test(a)) continue;
      // "file (pdf) attached": a call followed by more words is prose, code goes on with ; . ) or an operator.
      if (args && args[0].endsWith(")") && /^\s+[a-z]{2,}/i.test(rest.slice(args[0].length))) continue;
      return true;
    }
  }
  return false;
}

/** The callee expression ending at `end` (inclusive): strings, names, brackets, parens, dots and spaces, at most 80 characters. */
function calleeBefore(s: string, end: number): string {
  let i = end;
  const stop = Math.max(0, end - 80);
  while (i >= stop) {
    const c = s[i] as string;
    if (c === "'" || c === '"') {
      const open = s.lastIndexOf(c, i - 1);
      if (open < stop) break;
      i = open - 1;
      continue;
    }
    if (!/[\w\\\s.()[\]{}]/.test(c)) break;
    i--;
  }
  return s.slice(i + 1, end + 1);
}

const CALLEES = ["system", "shell_exec", "passthru", "exec", "popen", "proc_open", "eval", "assert", "phpinfo", "base64_decode", "create_function", "call_user_func", "file_get_contents", "file_put_contents", "readfile", "include", "require", "unserialize", "fsockopen"];

/** Calls through a computed callee: the callee's letters, with quotes, dots, brackets and casts removed, name a high-risk function. */
function computedCall(s: string): boolean {
  const re = /[)\]}'"]\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const tail = calleeBefore(s, m.index);
    const bare = (tail.replace(/(['"])[^'"]*\1/g, " ").match(/[a-z_]\w*/gi) ?? []).filter((w) => !/^(?:string|array|object)$/i.test(w));
    if (bare.length > 3) continue; // prose
    const letters = jsUnescape(tail).toLowerCase().replace(/\b(?:string|array|object)\b/g, "").replace(/[^a-z_]/g, "");
    if (letters.length < 4) continue;
    for (const f of CALLEES) {
      if (letters === f || (letters.endsWith(f) && /^(?:return|echo|print|and|or|not)$/.test(letters.slice(0, letters.length - f.length)))) return true;
    }
  }
  return false;
}

/** A known function called with a comment, tab or line break between its name and "(": formatting only code has. */
const GAP_CALL = /\b([a-z_]\w*)[ \t]*(?:\/\*[\s\S]*?\*\/|(?:\/\/|#)[^\n]*\n|[\r\n\t])[\s]*(?:(?:\/\*[\s\S]*?\*\/|(?:\/\/|#)[^\n]*\n)[\s]*)*\(/gi;

function gapCall(s: string): boolean {
  GAP_CALL.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = GAP_CALL.exec(s)) !== null) {
    if (!ALL_SET.has((m[1] as string).toLowerCase())) continue;
    // A line break alone before "(2 pages)" is a paragraph, not a call; a comment in the gap is code.
    const args = /^[^()]*/.exec(s.slice(m.index + m[0].length))?.[0] ?? "";
    if (!/\/\*|\/\/|#/.test(m[0]) && /\w\s+\w/.test(args) && !/['"$,]/.test(args)) continue;
    return true;
  }
  return false;
}

/** True when `input` carries PHP code injection. */
export function detectPhp(input: string): boolean {
  if (input.length < 2) return false;
  const s = input.length > 8192 ? input.slice(0, 8192) : input;
  if (s.indexOf("<") >= 0 || s.indexOf("php") >= 0 || s.indexOf("PHP") >= 0) if (TAGS.test(s)) return true;
  if (s.indexOf("$") >= 0 && (SUPERGLOBALS.test(s) || CONSTANT_VAR.test(s) || VARIABLES.test(stripComments(s)))) return true;
  if (s.indexOf(":") >= 0 && (SERIALIZED.test(s) || WRAPPERS.test(s))) return true;
  if (s.indexOf("=") >= 0 && INI.test(s)) return true;
  const t = /^\s*[a-z_]\w*\s*$/i.exec(s);
  if (t && DISTINCT.has(s.trim().toLowerCase())) return true;
  if (s.indexOf("(") >= 0) {
    const c = stripComments(s);
    if (functionCall(c) || computedCall(c)) return true;
    if (/[\r\n\t#]|\/[*/]/.test(s) && gapCall(s)) return true;
  }
  return false;
}
