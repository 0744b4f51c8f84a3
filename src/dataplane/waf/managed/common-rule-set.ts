/**
 * AWSManagedRulesCommonRuleSet ("core rule set", label namespace
 * awswaf:managed:aws:core-rule-set:). Rule names and labels follow AWS's documentation;
 * Bulwark adds rules with names in the same style: internal-host SSRF, protocol
 * enforcement (methods, encodings, content types, multipart evasion, bodies the WAF
 * cannot read), session fixation and restricted file uploads. Injection rules run the
 * native detectors (detect/*) over Content-Type-aware inputs (inputs.ts).
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { F, regex, size, or, and, not, bytes, rule } from "./build.js";
import { detectAt, native, re } from "./natives.js";
import { uploadNames, queryPairs, bodyPairs } from "./inputs.js";
import { detectRfi, detectRfiParameter } from "../detect/rfi.js";
import { multipartEvasion, bodyWithoutContentType, encodedBody, legacyCookieSyntax, badAcceptEncoding } from "./protocol.js";
import { detectRiskyFileName } from "../detect/upload.js";
import { detectXss } from "../detect/xss.js";
import { detectSsrf } from "../detect/ssrf.js";
import { detectTraversal } from "../detect/traversal.js";
import { sessionFixation } from "./session-fixation.js";

/** Scanners and attack tools identified by their User-Agent. */
const BAD_BOTS = "(?i)(?:nessus|nmap|nikto|sqlmap|havij|arachni|w3af|acunetix|netsparker|masscan|zgrab|dirbuster|gobuster|feroxbuster|wpscan|nuclei|openvas|zmeu|morfeus|webshag|paros|fimap|bsqlbf|grabber|wfuzz|skipfish|jorgee|commix|xsstrike|struts-pwn|appscan|webinspect|qualys|nsauditor|sqlninja|pangolin|absinthe|metasploit|hydra|medusa|brutus|whatweb|censysinspect|jaeles|dirb\\b|mozilla/5\\.0 zgrab|python-nmap|httrack)";
/** Cloud instance-metadata endpoints in any notation (EC2, ECS, GCP). */
const METADATA_SSRF = /(?:169\.254\.169\.254|169\.254\.170\.2|fd00:ec2::254|\b2852039166\b|0xa9fea9fe|0251\.0376\.0251\.0376|metadata\.google\.internal|instance-data(?:\.ec2\.internal)?\/|\/latest\/(?:meta-data|user-data|api\/token|dynamic\/instance-identity))/i;
/** Files and extensions that should never be served to clients. */
const RESTRICTED_EXT = "(?i)(?:\\.(?:log|ini|bak|backup|old|orig|save|swp|swo|sql|sqlite3?|db|mdb|rdb|dump|env|cfg|conf|config|inc|htaccess|htpasswd|pem|key|p12|pfx|jks|kdbx|dist|tmp|temp|ds_store|git|svn|hg|cvs|idea|vscode|lock)|~|\\.(?:php|asp|aspx|jsp)\\.(?:bak|old|orig|save|txt)|\\.(?:sql|db|sqlite3?|bak|dump|mdb)\\.(?:gz|zip|bz2|xz|7z|tar|tgz|rar))$|\\.(?:php|asp|aspx|jsp|py|rb)~(?:/|$)";
/** Bulwark: HTTP methods outside the standard and WebDAV sets (PROPFIND is blocked by KnownBadInputs). */
const KNOWN_METHODS = "^(?:GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|REPORT|SEARCH)$";
/** Bulwark: a Content-Type that is not "type/subtype; name=value…" with a known charset, or a boundary on non-multipart types. */
const TOKEN = "[\\w!#$%&'*+.^`|~-]+";
const CT_SYNTAX = `^${TOKEN}/${TOKEN}\\s*(?:;\\s*${TOKEN}=(?:${TOKEN}|"[^"]*")\\s*)*;?\\s*$`;
const CT_BAD = "(?i)charset\\s*=\\s*\"?(?!(?:utf-8|iso-8859-1|iso-8859-15|windows-1252|us-ascii)\"?\\s*(?:;|$))|charset[\\s\\S]*charset|^(?!multipart/)[^;]*;[\\s\\S]*\\bboundary\\s*=|^multipart/[\\w.+-]+\\s*;(?![\\s\\S]*\\bboundary=)|^multipart/(?!form-data|mixed|related|alternative|byteranges)";
/** Bulwark: invalid or evasive percent-encoding (bad %xx, %u full-width forms, overlong UTF-8, NUL). */
const BAD_ENCODING = "(?i)%(?![0-9a-f]{2}|u[0-9a-f]{4})|%u(?:ff[0-5][0-9a-f]|00[0-7][0-9a-f])|%c[01]%[89ab][0-9a-f]|%e0%[89][0-9a-f]%|%f[5-9a-f]%|%00|%f0%80%";
const RESTRICTED_HEADERS = "^(?:proxy|lock-token|content-range|request-range|if|x-forwarded-host-override)$";

const ssrf = re(METADATA_SSRF);
/** A NUL byte once percent-decoded: it truncates strings in C-based back ends. */
const hasNul = (s: string): boolean => s.indexOf("\0") >= 0;
const lfi = detectTraversal;

export const COMMON_RULE_SET_RULES: Rule[] = [
  rule("NoUserAgent_HEADER", 0, not(size(F.header("user-agent"), "GT", 0)), "NoUserAgent_Header"),
  rule("UserAgent_BadBots_HEADER", 1, regex(F.header("user-agent"), BAD_BOTS, "URL_DECODE"), "BadBots_Header"),
  rule("SizeRestrictions_QUERYSTRING", 2, size(F.queryString, "GT", 2048), "SizeRestrictions_QueryString"),
  rule("SizeRestrictions_Cookie_HEADER", 3, size(F.header("cookie"), "GT", 10240), "SizeRestrictions_Cookie_Header"),
  rule("SizeRestrictions_BODY", 4, size({ Body: { OversizeHandling: "MATCH" } }, "GT", 8192), "SizeRestrictions_Body"),
  rule("SizeRestrictions_URIPATH", 5, size(F.path, "GT", 1024), "SizeRestrictions_URIPath"),
  rule("EC2MetaDataSSRF_BODY", 6, detectAt("body", "ssrf-metadata", ssrf), "EC2MetaDataSSRF_Body"),
  rule("EC2MetaDataSSRF_COOKIE", 7, detectAt("cookies", "ssrf-metadata", ssrf), "EC2MetaDataSSRF_Cookie"),
  rule("EC2MetaDataSSRF_URIPATH", 8, detectAt("path", "ssrf-metadata", ssrf), "EC2MetaDataSSRF_URIPath"),
  rule("EC2MetaDataSSRF_QUERYARGUMENTS", 9, detectAt("query", "ssrf-metadata", ssrf), "EC2MetaDataSSRF_QueryArguments"),
  rule("InternalHostSSRF_QUERYARGUMENTS", 39, or(detectAt("query", "ssrf", detectSsrf), detectAt("cookies", "ssrf", detectSsrf)), "InternalHostSSRF_QueryArguments"),
  rule("InternalHostSSRF_BODY", 40, detectAt("body", "ssrf", detectSsrf), "InternalHostSSRF_Body"),
  rule("GenericLFI_QUERYARGUMENTS", 10, detectAt("query", "traversal", lfi), "GenericLFI_QueryArguments"),
  rule("GenericLFI_URIPATH", 11, detectAt("path", "traversal", lfi), "GenericLFI_URIPath"),
  rule("GenericLFI_BODY", 12, detectAt("body", "traversal", lfi), "GenericLFI_Body"),
  rule("RestrictedExtensions_URIPATH", 13, regex(F.path, RESTRICTED_EXT, "URL_DECODE_UNI"), "RestrictedExtensions_URIPath"),
  rule("RestrictedExtensions_QUERYARGUMENTS", 14, regex(F.allArgs, RESTRICTED_EXT, "URL_DECODE_UNI"), "RestrictedExtensions_QueryArguments"),
  rule("GenericRFI_QUERYARGUMENTS", 15, native(F.allArgs, "rfi@query", (v) => queryPairs(v).some(([n, x]) => detectRfiParameter(n, x))), "GenericRFI_QueryArguments"),
  rule("GenericRFI_BODY", 16, or(detectAt("body", "rfi", detectRfi), native(F.body, "rfi-parameter@body", (v) => bodyPairs(v).some(([n, x]) => detectRfiParameter(n, x)))), "GenericRFI_Body"),
  rule("GenericRFI_URIPATH", 17, regex(F.path, "(?i)(?:(?:ht|f)tps?|file)://(?:\\d{1,3}\\.){3}\\d{1,3}", "URL_DECODE_UNI"), "GenericRFI_URIPath"),
  rule("CrossSiteScripting_COOKIE", 18, detectAt("cookies", "xss", detectXss), "CrossSiteScripting_Cookie"),
  rule("CrossSiteScripting_QUERYARGUMENTS", 19, detectAt("query", "xss", detectXss), "CrossSiteScripting_QueryArguments"),
  rule("CrossSiteScripting_BODY", 20, detectAt("body", "xss", detectXss), "CrossSiteScripting_Body"),
  rule("CrossSiteScripting_URIPATH", 21, detectAt("path", "xss", detectXss), "CrossSiteScripting_URIPath"),
  // Bulwark additions: protocol enforcement.
  rule("UnknownMethod_METHOD", 22, not(regex(F.method, KNOWN_METHODS)), "UnknownMethod_Method"),
  rule("InvalidEncoding_QUERYSTRING", 23, regex(F.queryString, BAD_ENCODING), "InvalidEncoding_QueryString"),
  rule("InvalidEncoding_BODY", 24, and(bytes(F.header("content-type"), "x-www-form-urlencoded", "CONTAINS", "LOWERCASE"), regex(F.body, BAD_ENCODING)), "InvalidEncoding_Body"),
  rule("InvalidEncoding_HEADER", 46, or(detectAt("headers", "nul", hasNul), detectAt("cookies", "nul", hasNul)), "InvalidEncoding_Header"),
  rule("InvalidUtf8_QUERYARGUMENTS", 25, regex(F.allArgs, "[\\xc0\\xc1\\xf5-\\xff]|[\\xc2-\\xdf](?![\\x80-\\xbf])|[\\xe0-\\xef](?![\\x80-\\xbf]{2})|[\\xf0-\\xf4](?![\\x80-\\xbf]{3})|(?:^|[\\x00-\\x7f])[\\x80-\\xbf]", "URL_DECODE"), "InvalidUtf8_QueryArguments"),
  rule("BadContentType_HEADER", 26, or(and(size(F.header("content-type"), "GE", 0), not(regex(F.header("content-type"), CT_SYNTAX))), regex(F.header("content-type"), CT_BAD)), "BadContentType_Header"),
  rule("BadAccept_HEADER", 27, or(size(F.header("accept"), "EQ", 0), regex(F.header("accept"), "(?i)charset\\s*=\\s*\"?(?!utf-8|iso-8859-1|us-ascii)")), "BadAccept_Header"),
  rule("RestrictedHeaders_HEADER", 28, regex(F.headerNames, RESTRICTED_HEADERS, "LOWERCASE"), "RestrictedHeaders_Header"),
  rule("RangeAbuse_HEADER", 29, regex(F.header("range"), "(?i)^bytes=(?:[^,]*,){5,}"), "RangeAbuse_Header"),
  rule("HostIsIPAddress_HEADER", 30, regex(F.header("host"), "^(?:\\d{1,3}(?:\\.\\d{1,3}){3}|\\[[0-9a-fA-F:.]+\\])(?::\\d+)?$"), "HostIsIPAddress_Header"),
  rule("BodyOnGetOrHead_BODY", 31, and(regex(F.method, "^(?:GET|HEAD)$"), size(F.body, "GT", 0)), "BodyOnGetOrHead_Body"),
  rule("ConnectionHeader_HEADER", 32, regex(F.header("connection"), "(?i)\\b(keep-alive|close)\\b[\\s\\S]*,\\s*(?:keep-alive|close)\\b"), "ConnectionHeader_Header"),
  rule("MultipartViolation_BODY", 33, or(and(bytes(F.header("content-type"), "multipart/", "STARTS_WITH", "LOWERCASE"), regex(F.body, "(?i)content-transfer-encoding\\s*:|charset\\s*=\\s*\"?(?!utf-8|iso-8859-1|us-ascii|windows-1252)[\\w-]|name=\"?_charset_\"?[^\\n]*\\r?\\n(?:[^\\n]+\\r?\\n)*\\r?\\n\\s*(?!utf-8|iso-8859-1|us-ascii)\\w")), native(F.body, "multipart-evasion", multipartEvasion)), "MultipartViolation_Body"),
  rule("SessionFixation_QUERYARGUMENTS", 34, native(F.allArgs, "session-fixation", sessionFixation), "SessionFixation_QueryArguments"),
  rule("ScannerProbes_HEADER", 35, or(regex(F.headerNames, "(?i)^(?:acunetix-[\\w-]+|x-scanner|x-wipp|x-request-memo|x-request-manager-memo|x-scan-memo|bb-scanner)$"), regex(F.header("referer"), "(?i)(?:acunetix|netsparker|nessus)")), "ScannerProbes_Header"),
  rule("CrossSiteScripting_HEADER", 37, detectAt("headers", "xss", detectXss), "CrossSiteScripting_Header"),
  rule("MissingContentType_HEADER", 41, native(F.header("content-type"), "body-without-content-type", bodyWithoutContentType), "MissingContentType_Header"),
  rule("EncodedBody_HEADER", 43, native(F.header("content-encoding"), "encoded-body", encodedBody), "EncodedBody_Header"),
  rule("LegacyCookieSyntax_COOKIE", 44, native(F.header("cookie"), "legacy-cookie-syntax", legacyCookieSyntax), "LegacyCookieSyntax_Cookie"),
  rule("BadAcceptEncoding_HEADER", 45, native(F.header("accept-encoding"), "bad-accept-encoding", badAcceptEncoding), "BadAcceptEncoding_Header"),
  rule("RestrictedFileUpload_BODY", 38, native(F.body, "upload-name", (v) => uploadNames(v).some(detectRiskyFileName)), "RestrictedFileUpload_Body"),
  rule("ScannerProbes_URIPATH", 36, regex(F.path, "(?i)(?:nessus|appscan_fingerprint|acunetix[-_]wvs|netsparker|w00tw00t|nikto-test|mstshash|sqlmap)", "URL_DECODE"), "ScannerProbes_URIPath"),
];
