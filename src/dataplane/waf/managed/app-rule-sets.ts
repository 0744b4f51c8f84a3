/**
 * Application rule groups:
 *  - AWSManagedRulesPHPRuleSet (awswaf:managed:aws:php-app:): PHP code injection — opening
 *    tags, superglobals, high-risk functions, variable functions, object injection, stream
 *    wrappers, uploads of PHP files.
 *  - AWSManagedRulesAdminProtectionRuleSet (awswaf:managed:aws:admin-protection:): requests
 *    for administrative paths.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { F, regex, or, rule, type T } from "./build.js";

const PHP_FUNCS = "(?:eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|convert_uu|call_user_func(?:_array)?|create_function|preg_replace|file_get_contents|file_put_contents|fopen|fwrite|fputs|fsockopen|pfsockopen|readfile|include(?:_once)?|require(?:_once)?|phpinfo|print_r|var_dump|var_export|unserialize|serialize|highlight_file|show_source|php_uname|getenv|putenv|ini_set|ini_get|ini_restore|dl|mail|move_uploaded_file|copy|unlink|rename|mkdir|rmdir|chmod|chown|symlink|link|glob|scandir|opendir|readdir|file|file_exists|is_readable|is_writable|get_defined_functions|get_defined_vars|get_defined_constants|func_get_args|array_map|array_filter|array_walk|usort|uasort|uksort|register_shutdown_function|register_tick_function|set_error_handler|ob_start|extract|parse_str|putenv|posix_\\w+|proc_\\w+|curl_exec|curl_multi_exec|stream_socket_client|socket_create|apache_setenv|escapeshellarg|escapeshellcmd|strrev|hex2bin|bin2hex|chr|ord|pack|unpack|substr|implode|explode|constant|die|exit)";
const PHP =
  "(?i)<\\?(?:php\\b|=|\\s|[a-z_]+\\s*\\()|\\$_(?:get|post|cookie|server|request|files|env|session)\\b|\\$globals\\b|\\$http_raw_post_data\\b" +
  `|\\b${PHP_FUNCS}\\s*(?:/\\*[\\s\\S]*?\\*/\\s*|#[^\\n]*\\n\\s*|//[^\\n]*\\n\\s*)*\\(` +
  "|\\$\\$?[\\w{@]+\\s*(?:\\[[^\\]]*\\]\\s*|\\{[^}]*\\}\\s*|/\\*[\\s\\S]*?\\*/\\s*|#[^\\n]*\\n\\s*|//[^\\n]*\\n\\s*)*\\(|\\$\\{[^}]*\\}\\s*\\(|\\$\\w+\\s*->\\s*\\$\\w+\\s*\\(" +
  "|\\b[oc]:\\d+:\"[\\w\\\\]+\":\\d+:\\{|\\ba:\\d+:\\{(?:[sibd]:\\d+[:;])" +
  "|\\b(?:php|phar|zip|expect|glob|data|zlib|compress\\.\\w+|ogg|rar|ssh2\\.\\w+)://|\\((?:string|array|object)\\)\\s*['\"]\\w+['\"]\\s*\\(|\\[\\s*['\"]?(?:system|exec|passthru|shell_exec|assert|eval)['\"]?\\s*\\]\\s*\\[\\s*0\\s*\\]\\s*\\(|['\"]\\s*\\.\\s*['\"][\\w]*['\"]\\s*;\\s*\\(\\s*\\$\\w+\\s*\\)\\s*\\(";
const PHP_UPLOAD = "(?i)\\.(?:php\\d*|phtml|pht|phar|phps|pgif|inc)[.\\s]*$";
const DEC: T[] = ["URL_DECODE", "HTML_ENTITY_DECODE"];

export const PHP_RULES: Rule[] = [
  rule("PHPHighRiskMethodsVariables_HEADER", 0, or(regex(F.headerValues, PHP, ...DEC), regex({ Headers: { MatchPattern: { IncludedHeaders: ["x-file-name", "x-filename", "x_filename", "x.filename", "x-file", "x-upload-filename", "filename"] }, MatchScope: "VALUE", OversizeHandling: "CONTINUE" } }, PHP_UPLOAD, "URL_DECODE")), "PHPHighRiskMethodsVariables_Header"),
  rule("PHPHighRiskMethodsVariables_QUERYSTRING", 1, or(regex(F.queryString, PHP, "URL_DECODE", "HTML_ENTITY_DECODE"), regex(F.allArgs, PHP, "URL_DECODE", "HTML_ENTITY_DECODE")), "PHPHighRiskMethodsVariables_QueryString"),
  rule("PHPHighRiskMethodsVariables_BODY", 2, regex(F.body, PHP, ...DEC), "PHPHighRiskMethodsVariables_Body"),
];

const ADMIN = "(?i)^/(?:admin(?:istrator|istration)?|wp-admin|wp-login\\.php|phpmyadmin|pma|myadmin|adminer(?:\\.php)?|manager/html|cpanel|webadmin|siteadmin|admin\\.php|admin-console|console|_admin|backend|controlpanel|typo3|user/login|xmlrpc\\.php)(?:[/?.]|$)";
export const ADMIN_PROTECTION_RULES: Rule[] = [rule("AdminProtection_URIPATH", 0, regex(F.path, ADMIN, "URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"), "AdminProtection_URIPath")];
