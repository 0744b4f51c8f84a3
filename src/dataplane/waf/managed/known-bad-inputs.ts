/**
 * AWSManagedRulesKnownBadInputsRuleSet (awswaf:managed:aws:known-bad-inputs:): request
 * patterns known to be invalid and tied to exploitation — Java deserialization gadgets,
 * Log4j JNDI lookups, a localhost Host header, PROPFIND, exploitable paths. Rules marked
 * "Bulwark" add HTTP request smuggling / response splitting.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { F, regex, or, and, bytes, rule, type T } from "./build.js";

/** Serialized Java objects, gadget-chain classes and reflective process execution. */
const JAVA =
  "(?i)(?:\\xac\\xed\\x00\\x05|rO0AB|KztAAU|Cs7QAF|\\baced0005)" +
  "|\\b(?:java|javax|jdk|sun|com\\.sun|org\\.omg|org\\.apache\\.(?:commons\\.(?:collections\\d*|beanutils|fileupload|io)|xalan|xbean|myfaces|wicket|tomcat|naming|bcel|catalina|coyote|log4j)|org\\.springframework|org\\.codehaus\\.groovy|org\\.hibernate|org\\.jboss|com\\.mchange|com\\.alibaba|bsh|clojure|net\\.sf\\.json|org\\.mozilla\\.javascript|org\\.python|com\\.rometools|weblogic|oracle\\.(?:jdbc|toplink))\\.[a-z_$][\\w$]*\\.[a-z_$][\\w$]*" +
  "|(?:invoker|chained|constant|instantiate|clone|map|factory|string|predicate|switch|while|closure)transformer|templatesimpl|beancomparator|lazymap|transformedmap|annotationinvocationhandler|jdbcrowsetimpl|jndirefforwardingdatasource|xmldecoder|ysoserial|\\bjava\\.(?:runtime|processbuilder|lang|io|util|net|nio|beans|rmi|security)\\b|\\bprocessbuilder\\b|getruntime\\s*\\(\\s*\\)\\s*\\.\\s*exec|processbuilder\\s*\\(|runtime\\s*\\.\\s*getruntime|\\bclass\\.module\\.classloader|_memberaccess|@ognl|ognlcontext|xwork\\.methodaccessor";
/** Log4Shell: ${jndi:…} and lookup-obfuscated variants. */
const LOG4J = "(?i)\\$\\{(?:[^{}]{0,60}?\\$\\{[^{}]*\\})*[^{}]{0,60}?(?:j|\\$\\{[^}]*\\})\\W{0,10}?(?:n|\\$\\{[^}]*\\})\\W{0,10}?(?:d|\\$\\{[^}]*\\})\\W{0,10}?(?:i|\\$\\{[^}]*\\})[\\W\\w]{0,20}?:|\\$\\{\\s*(?:jndi|lower|upper|env|sys|java|date|main|base64|ctx|k8s|docker|spring|bundle|log4j|web|jvmrunargs|event|marker|sd|map)\\s*:|\\$\\{::-";
/** Paths of tooling, metadata and admin endpoints that apps should never expose. */
const EXPLOITABLE_PATHS = "(?i)/(?:web-inf|meta-inf)(?:/|$)|/\\.(?:git|svn|hg|bzr|aws|ssh|env|htpasswd|htaccess|docker)(?:/|$)|/(?:wp-config\\.php|phpinfo\\.php|server-status|server-info|jmx-console|web-console|invoker/(?:jmx|ejb)invokerservlet|manager/html|actuator/(?:env|heapdump|jolokia|gateway|logfile|threaddump|configprops|mappings|shutdown)|phpunit/src/util/php/eval-stdin\\.php|cgi-bin/(?:php|php5|php-cgi|bash|sh)(?:\\.exe)?|\\.well-known/\\.\\.|(?:axis2|jolokia|solr)/(?:admin|services/\\w+\\?wsdl|exec))";
/** Bulwark: request smuggling / response splitting — CR/LF followed by a header or request/status line. */
const CRLF = "(?i)[\\r\\n]\\s*(?:[\\w-]{2,40}\\s*:\\s*\\S|(?:get|post|put|head|delete|options|patch|connect|trace|propfind)\\s+\\S+\\s+http/\\d|http/\\d(?:\\.\\d)?\\s+\\d{3}|<\\s*(?:html|script|meta|body)\\b)|(?:^|[\\r\\n\\s=])(?:get|post|put|head|delete|options|patch|connect|trace)\\s+(?:/|https?://)\\S*\\s+http/\\d(?:\\.\\d)?";
/** Bulwark: Node.js code injection (node-serialize IIFE markers, Function constructor, prototype walking). */
const NODE_JS = "(?i)_\\$\\$nd_func\\$\\$_|__js_function|\\beval\\s*\\(\\s*(?:string\\.fromcharcode|buffer\\.from|atob|require)|\\bfunction\\s*\\(\\s*\\)\\s*\\{|\\bnew\\s+function\\s*\\(|\\.constructor\\s*\\.\\s*constructor\\b|\\bmodule\\.exports\\s*=|\\brequire\\s*\\(\\s*['\"`]child_process|\\bprocess\\.(?:mainmodule|binding)\\b|\\b__proto__\\b|\\bconstructor\\s*\\[\\s*['\"`]prototype|XyQkTkRfRlVOQyQkXw";
const DEC: T[] = ["URL_DECODE_UNI", "HTML_ENTITY_DECODE"];

export const KNOWN_BAD_INPUTS_RULES: Rule[] = [
  rule("JavaDeserializationRCE_HEADER", 0, regex(F.headersAll, JAVA, "URL_DECODE_UNI"), "JavaDeserializationRCE_Header"),
  rule("JavaDeserializationRCE_BODY", 1, or(regex(F.body, JAVA, "URL_DECODE_UNI"), regex(F.body, JAVA, "JS_DECODE")), "JavaDeserializationRCE_Body"),
  rule("JavaDeserializationRCE_URIPATH", 2, regex(F.path, JAVA, "URL_DECODE_UNI"), "JavaDeserializationRCE_URIPath"),
  rule("JavaDeserializationRCE_QUERYSTRING", 3, regex(F.queryString, JAVA, "URL_DECODE_UNI"), "JavaDeserializationRCE_QueryString"),
  rule("Host_localhost_HEADER", 4, regex(F.header("host"), "(?i)^(?:localhost|localhost\\.localdomain|127(?:\\.\\d{1,3}){3}|0\\.0\\.0\\.0|\\[?::1\\]?|\\[?0:0:0:0:0:0:0:1\\]?)(?::\\d+)?$"), "Host_Localhost_Header"),
  rule("PROPFIND_METHOD", 5, bytes(F.method, "PROPFIND", "EXACTLY"), "Propfind_Method"),
  rule("ExploitablePaths_URIPATH", 6, regex(F.path, EXPLOITABLE_PATHS, "URL_DECODE_UNI", "NORMALIZE_PATH"), "ExploitablePaths_URIPath"),
  rule("Log4JRCE_HEADER", 7, regex(F.headersAll, LOG4J, "URL_DECODE_UNI", "URL_DECODE_UNI", "JS_DECODE"), "Log4JRCE_Header"),
  rule("Log4JRCE_QUERYSTRING", 8, regex(F.queryString, LOG4J, "URL_DECODE_UNI", "URL_DECODE_UNI", "JS_DECODE"), "Log4JRCE_QueryString"),
  rule("Log4JRCE_BODY", 9, regex(F.body, LOG4J, "URL_DECODE_UNI", "URL_DECODE_UNI", "JS_DECODE"), "Log4JRCE_Body"),
  rule("Log4JRCE_URIPATH", 10, regex(F.path, LOG4J, "URL_DECODE_UNI", "URL_DECODE_UNI"), "Log4JRCE_URIPath"),
  // Bulwark additions.
  rule("HTTPRequestSmuggling_QUERYARGUMENTS", 11, or(regex(F.allArgs, CRLF, ...DEC), regex(F.queryString, "(?i)%0[ad](?:%0[ad])*(?:[\\w-]|%[0-9a-f]{2}){2,40}(?:%0[ad])*(?::|%3a)", "NONE")), "HTTPRequestSmuggling_QueryArguments"),
  rule("HTTPRequestSmuggling_BODY", 12, and(bytes(F.header("content-type"), "x-www-form-urlencoded", "CONTAINS", "LOWERCASE"), regex(F.body, CRLF, ...DEC)), "HTTPRequestSmuggling_Body"),
  rule("HTTPRequestSmuggling_HEADER", 13, regex(F.cookieValues, CRLF, ...DEC), "HTTPRequestSmuggling_Header"),
  rule("NodeJSInjection_QUERYARGUMENTS", 15, regex(F.allArgs, NODE_JS, ...DEC), "NodeJSInjection_QueryArguments"),
  rule("NodeJSInjection_BODY", 16, regex(F.body, NODE_JS, ...DEC), "NodeJSInjection_Body"),
  rule("HTTPRequestSmuggling_URIPATH", 14, regex(F.path, "[\\r\\n]", "URL_DECODE_UNI"), "HTTPRequestSmuggling_URIPath"),
];
