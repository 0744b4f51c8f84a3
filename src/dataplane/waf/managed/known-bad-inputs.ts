/**
 * AWSManagedRulesKnownBadInputsRuleSet (awswaf:managed:aws:known-bad-inputs:): request
 * patterns known to be invalid and tied to exploitation — Java deserialization, gadget
 * classes and expression-language injection, Log4j JNDI lookups, a localhost Host header,
 * PROPFIND, exploitable paths. Bulwark adds HTTP request smuggling / response splitting,
 * server-side JavaScript, prototype pollution and template injection (NodeJSInjection_*),
 * and LDAP filter injection.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { F, regex, or, bytes, rule } from "./build.js";
import { detectAt, native, re } from "./natives.js";
import { lineBreakInNames } from "./protocol.js";
import { compileTrustedRegex } from "../regex.js";
import { detectJava, detectLog4j } from "../detect/java.js";
import { detectServerSideJs } from "../detect/node.js";
import { detectLdap } from "../detect/ldap.js";

/** Log4Shell: ${jndi:…} and lookup-obfuscated variants. */
const LOG4J = "(?i)\\$\\{(?:[^{}]{0,60}?\\$\\{[^{}]*\\})*[^{}]{0,60}?(?:j|\\$\\{[^}]*\\})\\W{0,10}?(?:n|\\$\\{[^}]*\\})\\W{0,10}?(?:d|\\$\\{[^}]*\\})\\W{0,10}?(?:i|\\$\\{[^}]*\\})[\\W\\w]{0,20}?:|\\$\\{\\s*(?:jndi|lower|upper|env|sys|java|date|main|base64|ctx|k8s|docker|spring|bundle|log4j|web|jvmrunargs|event|marker|sd|map)\\s*:|\\$\\{::-";
/** Paths of tooling, metadata and admin endpoints that apps should never expose. */
const EXPLOITABLE_PATHS = "(?i)/(?:web-inf|meta-inf)(?:/|$)|^/@(?:id|fs)/|/\\.(?:git|svn|hg|bzr|aws|ssh|env|htpasswd|htaccess|docker)(?:/|$)|/(?:wp-config\\.php|phpinfo\\.php|server-status|server-info|jmx-console|web-console|invoker/(?:jmx|ejb)invokerservlet|manager/html|actuator/(?:env|heapdump|jolokia|gateway|logfile|threaddump|configprops|mappings|shutdown)|phpunit/src/util/php/eval-stdin\\.php|cgi-bin/(?:php|php5|php-cgi|bash|sh)(?:\\.exe)?|\\.well-known/\\.\\.|(?:axis2|jolokia|solr)/(?:admin|services/\\w+\\?wsdl|exec))";
/** Bulwark: request smuggling / response splitting — CR/LF followed by a header or request/status line. */
const CRLF = "(?i)[\\r\\n]\\s*(?:[\\w-]{2,40}\\s*:\\s*\\S|(?:get|post|put|head|delete|options|patch|connect|trace|propfind)\\s+\\S+\\s+http/\\d|http/\\d(?:\\.\\d)?\\s+\\d{3}|<\\s*(?:html|script|meta|body)\\b)|(?:^|[\\r\\n\\s=])(?:get|post|put|head|delete|options|patch|connect|trace)\\s+(?:/|https?://)\\S*\\s+http/\\d(?:\\.\\d)?";

const crlf = re(compileTrustedRegex(CRLF));
const node = detectServerSideJs;
const java = detectJava;

export const KNOWN_BAD_INPUTS_RULES: Rule[] = [
  rule("JavaDeserializationRCE_HEADER", 0, or(detectAt("headers", "java", java), detectAt("cookies", "java", java)), "JavaDeserializationRCE_Header"),
  rule("JavaDeserializationRCE_BODY", 1, detectAt("body", "java", java), "JavaDeserializationRCE_Body"),
  rule("JavaDeserializationRCE_URIPATH", 2, detectAt("path", "java", java), "JavaDeserializationRCE_URIPath"),
  rule("JavaDeserializationRCE_QUERYSTRING", 3, detectAt("query", "java", java), "JavaDeserializationRCE_QueryString"),
  rule("Host_localhost_HEADER", 4, regex(F.header("host"), "(?i)^(?:localhost|localhost\\.localdomain|127(?:\\.\\d{1,3}){3}|0\\.0\\.0\\.0|\\[?::1\\]?|\\[?0:0:0:0:0:0:0:1\\]?)(?::\\d+)?$"), "Host_Localhost_Header"),
  rule("PROPFIND_METHOD", 5, bytes(F.method, "PROPFIND", "EXACTLY"), "Propfind_Method"),
  rule("ExploitablePaths_URIPATH", 6, regex(F.path, EXPLOITABLE_PATHS, "URL_DECODE_UNI", "NORMALIZE_PATH"), "ExploitablePaths_URIPath"),
  rule("Log4JRCE_HEADER", 7, or(detectAt("headers", "log4j", detectLog4j), detectAt("cookies", "log4j", detectLog4j), regex(F.headerNames, LOG4J, "URL_DECODE_UNI")), "Log4JRCE_Header"),
  rule("Log4JRCE_QUERYSTRING", 8, detectAt("query", "log4j", detectLog4j), "Log4JRCE_QueryString"),
  rule("Log4JRCE_BODY", 9, detectAt("body", "log4j", detectLog4j), "Log4JRCE_Body"),
  rule("Log4JRCE_URIPATH", 10, detectAt("path", "log4j", detectLog4j), "Log4JRCE_URIPath"),
  // Bulwark additions.
  rule("HTTPRequestSmuggling_QUERYARGUMENTS", 11, or(detectAt("query", "crlf", crlf), native(F.allArgs, "line-break-in-names", lineBreakInNames), regex(F.queryString, "(?i)%0[ad](?:%0[ad])*(?:[\\w-]|%[0-9a-f]{2}){2,40}(?:%0[ad])*(?::|%3a)", "NONE")), "HTTPRequestSmuggling_QueryArguments"),
  rule("HTTPRequestSmuggling_BODY", 12, detectAt("body", "crlf", crlf), "HTTPRequestSmuggling_Body"),
  rule("HTTPRequestSmuggling_HEADER", 13, or(detectAt("cookies", "crlf", crlf), detectAt("headers", "crlf", crlf)), "HTTPRequestSmuggling_Header"),
  rule("NodeJSInjection_QUERYARGUMENTS", 15, or(detectAt("query", "node", node), detectAt("cookies", "node", node), detectAt("path", "node", node)), "NodeJSInjection_QueryArguments"),
  rule("NodeJSInjection_BODY", 16, detectAt("body", "node", node), "NodeJSInjection_Body"),
  rule("LDAPInjection_QUERYARGUMENTS", 17, or(detectAt("query", "ldap", detectLdap), detectAt("cookies", "ldap", detectLdap)), "LDAPInjection_QueryArguments"),
  rule("LDAPInjection_BODY", 18, detectAt("body", "ldap", detectLdap), "LDAPInjection_Body"),
  rule("HTTPRequestSmuggling_URIPATH", 14, regex(F.path, "[\\r\\n]", "URL_DECODE_UNI"), "HTTPRequestSmuggling_URIPath"),
];
