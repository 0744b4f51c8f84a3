/**
 * Java-side injection: serialized Java objects, the class names deserialization gadget
 * chains and Struts/OGNL exploits need, expression-language payloads that reach the
 * runtime (OGNL, SpEL, JSP EL, MVEL), and Log4j JNDI lookups in all their nested,
 * case-changing and default-value disguises.
 */

import { jsUnescape } from "./decode.js";

/** Serialized objects: the stream magic raw, hex, Base64 (plain and gzip-wrapped). */
const SERIALIZED = /\xac\xed\x00\x05|\brO0AB|\bH4sIAAAAAAAA[A-Za-z0-9+/]{0,8}|\bKztAAU|\bCs7QAF|\baced0005/i;

/** Packages and classes that only matter to an attacker: gadget chains, class loaders, Struts internals. */
const CLASSES = new RegExp(
  [
    "\\b(?:java|javax|jdk|sun|com\\.sun)\\.(?:lang\\.(?:runtime|processbuilder|reflect|classloader|system|thread|invoke)|rmi|naming|script|management|beans\\.(?:xmldecoder|introspector)|net\\.urlclassloader|util\\.(?:prefs|logging\\.logmanager)|misc\\.unsafe|jndi|org\\.apache\\.xalan)\\b",
    "\\b(?:org\\.apache\\.commons|org\\.omg\\.corba|com\\.opensymphony\\.xwork2|org\\.apache\\.struts2?|org\\.springframework\\.(?:beans|context|expression|jndi|transaction|aop)|org\\.codehaus\\.groovy\\.runtime|groovy\\.lang|bsh\\.(?:interpreter|xthis)|clojure\\.(?:lang|core)|org\\.mozilla\\.javascript|org\\.python\\.core|com\\.mchange\\.v2|com\\.alibaba\\.fastjson|com\\.zaxxer\\.hikari|org\\.hibernate\\.(?:engine|tuple|property)|org\\.jboss\\.(?:interceptor|weld)|net\\.sf\\.json|com\\.rometools|weblogic\\.(?:jms|rjvm|corba)|oracle\\.(?:jdbc|toplink)|org\\.apache\\.(?:xbean|myfaces|wicket|tomcat\\.dbcp|naming|bcel|catalina|coyote|log4j\\.core|shiro|openjpa|batik|click|ibatis|axis)|com\\.caucho|org\\.yaml\\.snakeyaml|javassist|ysoserial)\\b",
    "\\bjava\\.(?:lang|io|util|net|nio|beans|rmi|security|runtime|processbuilder)\\b|\\bprocessbuilder\\b|\\b(?:java|javax|jdk|sun|com\\.sun|org\\.omg)\\.[a-z_$][\\w$]*\\.[a-z_$][\\w$]*",
    "(?:invoker|chained|constant|instantiate|clone|map|factory|string|predicate|switch|while|closure)transformer\\b|\\btemplatesimpl\\b|\\bbeancomparator\\b|\\blazymap\\b|\\btransformedmap\\b|\\bannotationinvocationhandler\\b|\\bjdbcrowsetimpl\\b|\\bjndirefforwardingdatasource\\b|\\bbadattributevalueexpexception\\b|\\bpriorityqueue\\b.{0,40}\\bcomparator\\b",
  ].join("|"),
  "i",
);

/** Expression languages evaluated on the server: OGNL (Struts), SpEL, JSP/Jakarta EL, MVEL. */
const EXPRESSIONS = new RegExp(
  [
    "#_memberaccess|#context\\s*\\[|#(?:request|session|application|parameters|attr)\\s*\\[|@ognl|ognlcontext|ognlutil|xwork\\.methodaccessor|denymethodexecution|allowstaticmethodaccess|\\bclass\\.module\\.classloader|\\bclass\\.classloader|\\bclass\\[['\"]classloader",
    "\\bT\\s*\\(\\s*java\\.|@java\\.lang\\.\\w+@|new\\s+java\\.(?:lang|io|util|net)\\.\\w+\\s*\\(|\\bclass\\.forname\\s*\\(|\\.getclass\\s*\\(\\s*\\)\\s*\\.\\s*(?:forname|getclassloader|getmethod|getdeclaredmethod)|getruntime\\s*\\(\\s*\\)\\s*\\.\\s*exec|\\bruntime\\s*\\.\\s*getruntime|\\bprocessbuilder\\s*\\(|\\.start\\s*\\(\\s*\\)\\s*\\.\\s*getinputstream|\\bscriptenginemanager\\s*\\(|\\bgetenginebyname\\s*\\(|\\bdefineclass\\s*\\(|\\bnewinstance\\s*\\(\\s*\\)\\s*\\.",
    "[$#%]\\{[^}]{0,200}(?:\\.getclass\\(|\\.forname\\(|\\.exec\\(|\\bruntime\\b|\\bprocessbuilder\\b|@java\\.|\\bT\\s*\\()",
  ].join("|"),
  "i",
);

const EXPRESSION_HINT = /ognl|memberaccess|#context|#request|#session|#application|#parameters|#attr|xwork|denymethod|allowstatic|classloader|java\.|T\s*\(|forname|getclass|runtime|processbuilder|\.start\s*\(|scriptengine|getenginebyname|defineclass|newinstance|[$#%]\{/i;

/** Log4Shell: ${jndi:…} and lookups hidden in nested lookups, case changes and defaults (${${lower:j}ndi:…}, ${::-j}). */
const LOG4J = /\$\{(?:[^{}]{0,60}?\$\{[^{}]*\})*[^{}]{0,60}?(?:j|\$\{[^}]*\})\W{0,10}?(?:n|\$\{[^}]*\})\W{0,10}?(?:d|\$\{[^}]*\})\W{0,10}?(?:i|\$\{[^}]*\})[\W\w]{0,20}?:|\$\{\s*(?:jndi|lower|upper|env|sys|java|date|main|base64|ctx|k8s|docker|spring|bundle|log4j|web|jvmrunargs|event|marker|sd|map)\s*:|\$\{::-|\$\{[^}]{0,40}:-[^}]{0,10}\}/i;

/** True when `input` carries Java deserialization, gadget classes or server-side expression injection. */
export function detectJava(input: string): boolean {
  if (input.length < 4) return false;
  const s = input.length > 8192 ? input.slice(0, 8192) : input;
  if (SERIALIZED.test(s)) return true;
  if (s.indexOf(".") >= 0 && CLASSES.test(s)) return true;
  return EXPRESSION_HINT.test(s) && EXPRESSIONS.test(s);
}

/** True when `input` carries a Log4j lookup that reaches JNDI or leaks data. */
export function detectLog4j(input: string): boolean {
  if (input.indexOf("${") >= 0 && LOG4J.test(input)) return true;
  if (input.indexOf("\\") < 0) return false;
  const u = jsUnescape(input);
  return u !== input && u.indexOf("${") >= 0 && LOG4J.test(u);
}
