/**
 * Server-side JavaScript and template injection:
 *
 *  - Node.js: the objects an injected expression uses to reach the system (process,
 *    require, module, global, child_process, console), in dot, bracket and computed
 *    notation and behind \u escapes; node-serialize function markers (also Base64-encoded);
 *    React Server Components "$n:constructor:constructor" references;
 *  - prototype pollution: __proto__ and constructor.prototype in names, keys and values;
 *  - denial of service with a loop whose condition is constant-true (while(!0), for(;;));
 *  - Ruby process and eval APIs (Process.spawn, Kernel.exec, IO.popen, instance_eval);
 *  - server-side template injection: template delimiters ({{ }}, {% %}, <%= %>, #{ }, ${ })
 *    around expressions rather than plain variable names — arithmetic, dunder attributes,
 *    method calls, template tags that import or execute.
 */
import { jsUnescape } from "./decode.js";

const NODE = new RegExp(
  [
    "\\b(?:process|require|module|global|globalthis|child_process)\\s*\\[(?!\\s*\\])",
    "\\bprocess\\.(?:env|mainmodule|binding|dlopen|kill|exit|cwd|chdir|setuid|setgid|umask|stdout|stdin|argv|execpath|versions|memoryusage|emit)\\b",
    "\\brequire\\s*\\(\\s*['\"`](?:child_process|fs|net|vm|os|http|https|dgram|cluster|worker_threads|process|module|v8|inspector)['\"`]",
    "\\brequire\\.(?:main|cache|resolve|extensions)\\b|\\bmodule\\.(?:constructor|require|children|parent|_load|_compile|exports\\s*=)|\\._load\\s*\\(",
    "\\bconsole\\.(?:log|info|warn|error|debug|trace|dir|table|time|assert)(?:\\.(?:call|apply|bind))?\\s*\\(",
    "\\bchild_process\\b|\\.(?:execsync|spawnsync|execfilesync|readfilesync|readdirsync|writefilesync)\\s*\\(",
    "_\\$\\$nd_func\\$\\$_|__js_function|\\bfunction\\s*\\(\\s*\\)\\s*\\{[^}]*\\}\\s*\\(\\s*\\)",
    "['\"]\\$\\d*:(?:constructor|__proto__|prototype|module)(?::|['\"])|\\$\\d+:\\w+:(?:prototype|constructor)",
    "\\.constructor\\s*\\.\\s*constructor\\b|\\bconstructor\\s*\\(\\s*['\"`]|\\bnew\\s+function\\s*\\(",
    "\\beval\\s*\\(\\s*(?:string\\.fromcharcode|buffer\\.from|atob|require|unescape)",
  ].join("|"),
  "i",
);

/** Prototype pollution in a name, key or value. */
const PROTO = /__proto__|\bconstructor\s*(?:\.|\[\s*['"]?)\s*prototype\b|\[\s*['"]?constructor['"]?\s*\]\s*\[\s*['"]?prototype/i;

const RUBY = /\b(?:process\.spawn|kernel\.(?:exec|system|spawn|eval|open|fork|`)|io\.(?:popen|readlines|sysopen)|open3\.\w+|pty\.spawn|erb\.new|instance_eval|class_eval|module_eval|instance_variable_set|\.send\s*\(\s*:(?:system|eval|exec|spawn))\b|%x\s*[({\[]/i;

/** Template delimiters around an expression (not a bare variable such as {{name}}). */
const TEMPLATE = new RegExp(
  [
    "\\{\\{[^{}]{0,200}?(?:\\d\\s*[*+/%-]\\s*\\d|__\\w+__|\\.\\s*\\w+\\s*\\(|\\b(?:config|self|request|cycler|joiner|lipsum|namespace|range|url_for|get_flashed_messages|_self|constructor)\\b\\s*[.\\[(])[^{}]{0,200}?\\}\\}",
    "\\{%-?\\s*(?:import|include|extends|exec|debug|set\\s+\\w+\\s*=\\s*[\\w.]+\\(|for\\s+\\w+\\s+in\\s+[\\w.]+\\.__)",
    "<%=?[^%]{0,200}?(?:\\d\\s*[*+/-]\\s*\\d|\\b(?:system|exec|eval|process|runtime|request|response|file|io)\\b[.(])[^%]{0,200}?%>",
    "#\\{[^}]{0,200}?(?:\\d\\s*[*+/%-]\\s*\\d|\\.\\s*\\w+\\s*\\(|`)[^}]{0,200}?\\}",
    "\\$\\{\\s*\\d+\\s*[*+/%-]\\s*\\d+\\s*\\}",
    "\\*\\{[^}]{0,200}?T\\s*\\(",
  ].join("|"),
  "i",
);

/** Literal values a JavaScript loop condition can be that never change. */
function truthy(cond: string): boolean | undefined {
  let c = cond.replace(/\s+/g, "");
  while (/^\(.*\)$/.test(c)) c = c.slice(1, -1);
  let neg = 0;
  while (c.startsWith("!")) {
    neg++;
    c = c.slice(1);
    while (/^\(.*\)$/.test(c)) c = c.slice(1, -1);
  }
  let v: boolean | undefined;
  if (/^(?:true|this|[+-]?infinity|[+-]?[1-9]\d*(?:\.\d+)?|newdate|new[a-z]\w*(?:\(\))?|string|object|number|boolean|array|date|function|\[\]|\{\}|'[^']+'|"[^"]+")$/i.test(c)) v = true;
  else if (/^(?:false|null|undefined|nan|[+-]?0(?:\.0+)?|''|""|``)$/i.test(c)) v = false;
  if (v === undefined) return undefined;
  return neg % 2 === 0 ? v : !v;
}

/** A loop that can never end: while(<constant true>) or for(;;). */
function endlessLoop(s: string): boolean {
  if (/\bfor\s*\(\s*;\s*;\s*\)/.test(s)) return true;
  const re = /\bwhile\s*\(/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    let depth = 1;
    let j = m.index + m[0].length;
    const start = j;
    while (j < s.length && depth > 0 && j - start < 64) {
      if (s[j] === "(") depth++;
      else if (s[j] === ")") depth--;
      j++;
    }
    if (truthy(s.slice(start, depth === 0 ? j - 1 : j)) === true) return true;
  }
  return false;
}

const NODE_HINT = /process|require|module|global|child_process|console|sync\s*\(|_\$\$|__js|function|constructor|\$\d|eval/i;
const RUBY_HINT = /process\.|kernel\.|io\.|open3|pty\.|erb\.|_eval|instance_variable|\.send|%x/i;

function judge(s: string): boolean {
  return (NODE_HINT.test(s) && NODE.test(s)) || ((s.indexOf("proto") >= 0 || s.indexOf("PROTO") >= 0) && PROTO.test(s)) || (RUBY_HINT.test(s) && RUBY.test(s)) || (/while|for\s*\(/i.test(s) && endlessLoop(s)) || (/[{%]/.test(s) && TEMPLATE.test(s));
}

/** A value that is entirely Base64 (as cookies carrying serialized objects are). */
function base64Text(s: string): string | undefined {
  const t = s.trim();
  if (t.length < 12 || t.length > 4096 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  const d = Buffer.from(t, "base64").toString("latin1");
  return /^[\x09\x0a\x0d\x20-\x7e]+$/.test(d) ? d : undefined;
}

/** True when `input` carries server-side JavaScript, prototype pollution, Ruby or template injection. */
export function detectServerSideJs(input: string): boolean {
  if (input.length < 4) return false;
  const s = input.length > 8192 ? input.slice(0, 8192) : input;
  if (judge(s)) return true;
  if (s.indexOf("\\") >= 0) {
    const u = jsUnescape(s);
    if (u !== s && judge(u)) return true;
  }
  const b = base64Text(s.indexOf("\\") >= 0 ? jsUnescape(s) : s);
  if (b !== undefined) {
    if (judge(b)) return true;
    const u = jsUnescape(b);
    if (u !== b && judge(u)) return true;
  }
  return false;
}
