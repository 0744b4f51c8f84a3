/**
 * Unix shell command injection, judged with shell grammar rather than keyword lists.
 *
 * The input is read the way a POSIX shell reads a command line: quoting and escapes are
 * resolved (c'a't, c\at, "cu"rl all name cat/curl), unset variables expand to nothing,
 * $IFS to a space, and the line is split into simple commands at ; & | && || newlines,
 * backquotes and $( ). The first word of every simple command (after assignments and
 * wrappers such as sudo, nohup, time, env) is then judged in its setting:
 *
 *   - inside a command substitution (`…`, $(…)) any known program runs;
 *   - right after a separator, a distinctive program (whoami, chmod …) runs; a program whose
 *     name is also an English word (cat, time, curl …) counts when shell syntax follows it
 *     (an option, a path, a redirection) or the separator sits tight against it (";id");
 *   - at the start of the value, a distinctive program counts, an ordinary one only with
 *     shell-like arguments ("cat /etc/passwd" yes, "cat toys" no).
 *
 * Shell-only syntax is flagged on its own: shellshock "() {", here-strings "<<<", process
 * substitution, $(( )) and $[ ] arithmetic, /dev/tcp, brace expansions that form a
 * command ({cat,/etc/passwd}), glob-obfuscated system paths (/e?c/pa[s]swd), directory-
 * stack and history expansions, alias definitions, and anything piped into a shell.
 */
import { commandClass, SHELLS, WRAPPERS } from "./shell-commands.js";

interface Command {
  words: string[];
  /** How the command is introduced: value start, a separator, or a substitution. */
  at: "start" | "sep" | "subst";
  sep: string;
  /** The separator is directly followed by the command (";id", "|id") or opens the value ("; id"). */
  tight: boolean;
  /** The command name was assembled from quotes, escapes or empty expansions (c'a't, w$@hoami). */
  obf: boolean;
  /** The command name is one quoted word ("Source", 'whoami'): quoting, not assembly. */
  quoted: boolean;
  /** A separator (or newline) follows the command: it was terminated like a command line. */
  ended: boolean;
}

const KNOWN_VARS: Record<string, string> = { HOME: "/root", PATH: "/usr/bin", PWD: "/", SHELL: "/bin/sh", OLDPWD: "/", IFS: " " };

/** Resolves one $-expansion at s[i] ("$"); returns [text, next index]. */
function expansion(s: string, i: number): [string, number] {
  const c = s[i + 1];
  if (c === "{") {
    const close = s.indexOf("}", i + 2);
    if (close < 0) return ["", s.length];
    const inner = s.slice(i + 2, close);
    const name = /^[#!]?(\w+)/.exec(inner)?.[1] ?? "";
    const val = KNOWN_VARS[name.toUpperCase()];
    if (val === undefined) return ["", close + 1];
    // ${PATH:0:1} and friends take a slice of a known value: a "/" in practice.
    return [inner === name || val === " " ? val : "/", close + 1];
  }
  if (c === "'" ) {
    // $'…' ANSI-C quoting
    const close = s.indexOf("'", i + 2);
    const body = s.slice(i + 2, close < 0 ? s.length : close);
    const text = body.replace(/\\x([0-9a-fA-F]{1,2})|\\([0-7]{1,3})|\\(.)/g, (_m, x: string | undefined, o: string | undefined, ch: string | undefined) =>
      x ? String.fromCharCode(parseInt(x, 16)) : o ? String.fromCharCode(parseInt(o, 8)) : ch === "n" ? "\n" : (ch ?? ""));
    return [text, close < 0 ? s.length : close + 1];
  }
  const m = /^(?:\w+|[@*#?$!0-9-])/.exec(s.slice(i + 1, i + 64));
  if (!m) return ["$", i + 1];
  const val = KNOWN_VARS[m[0].toUpperCase()];
  return [val ?? "", i + 1 + m[0].length];
}

/** Splits a command line into simple commands of unquoted words. */
function parse(s: string): Command[] {
  const out: Command[] = [];
  let cur: Command = { words: [], at: "start", sep: "", tight: false, obf: false, quoted: false, ended: false };
  let word = "";
  let inWord = false;
  const endWord = (): void => {
    if (inWord) cur.words.push(word);
    word = "";
    inWord = false;
  };
  const newCommand = (at: Command["at"], sep: string, next: number): void => {
    endWord();
    cur.ended = true;
    if (cur.words.length > 0) out.push(cur);
    const n = s.charCodeAt(next);
    const opensValue = out.length === 0 && cur.at === "start";
    cur = { words: [], at, sep, tight: opensValue || (next < s.length && n !== 32 && n !== 9), obf: false, quoted: false, ended: false };
  };
  const n = s.length;
  /** A quote pair from `open` to `close` makes up a whole word of plain characters: "Source", 'id'. */
  const wholeWord = (open: number, close: number): boolean =>
    !inWord && close > open + 1 && (close + 1 >= n || /[\s;&|<>)]/.test(s[close + 1] as string)) && /^[\w.+-]+$/.test(s.slice(open + 1, close));
  const markQuoted = (open: number, close: number): void => {
    if (cur.words.length > 0) return;
    if (wholeWord(open, close)) cur.quoted = true;
    else cur.obf = true;
  };
  for (let i = 0; i < n; i++) {
    const c = s[i] as string;
    switch (c) {
      case " ":
      case "\t":
      case "\r":
        endWord();
        continue;
      case "\n":
      case ";":
        newCommand("sep", c, i + 1);
        continue;
      case "&":
      case "|": {
        const two = s[i + 1] === c;
        if (c === "&" && s[i - 1] === ">") continue; // >&2
        newCommand("sep", two ? c + c : c, i + (two ? 2 : 1));
        if (two) i++;
        continue;
      }
      case "`":
        newCommand("subst", "`", i + 1);
        continue;
      case "(":
        if (s[i - 1] === "$") newCommand("subst", "$(", i + 1);
        else if (inWord || cur.words.length > 0) endWord(); // f(x) call syntax, not a subshell
        else newCommand("sep", "(", i + 1);
        continue;
      case ")":
        newCommand("sep", ")", i + 1);
        continue;
      case "<":
      case ">":
        endWord();
        continue;
      case "'": {
        const close = s.indexOf("'", i + 1);
        markQuoted(i, close < 0 ? n : close);
        word += s.slice(i + 1, close < 0 ? n : close);
        inWord = true;
        i = close < 0 ? n : close;
        continue;
      }
      case '"': {
        const close = s.indexOf('"', i + 1);
        markQuoted(i, close < 0 ? n : close);
        let j = i + 1;
        while (j < n && s[j] !== '"') {
          if (s[j] === "\\" && j + 1 < n) {
            word += s[j + 1];
            j += 2;
            continue;
          }
          if (s[j] === "$" && s[j + 1] !== "(") {
            const [t, nx] = expansion(s, j);
            word += t;
            j = nx;
            continue;
          }
          word += s[j];
          j++;
        }
        inWord = true;
        i = j;
        continue;
      }
      case "\\":
        if (s[i + 1] === "\n") i++;
        else if (i + 1 < n) {
          word += s[i + 1];
          inWord = true;
          if (cur.words.length === 0 && /\w/.test(s[i + 1] as string)) cur.obf = true;
          i++;
        }
        continue;
      case "$":
        if (s[i + 1] === "(") continue;
        {
          const [t, nx] = expansion(s, i);
          if (cur.words.length === 0 && t !== "$") cur.obf = true;
          if (t === " ") endWord();
          else {
            word += t;
            inWord = inWord || t !== "";
          }
          i = nx - 1;
        }
        continue;
      case "#":
        if (!inWord) {
          const nl = s.indexOf("\n", i);
          i = nl < 0 ? n : nl - 1;
          continue;
        }
        word += c;
        continue;
      default:
        word += c;
        inWord = true;
    }
  }
  endWord();
  if (cur.words.length > 0) out.push(cur);
  return out;
}

/** An argument that only makes sense to a shell program: an option, a path, a variable, a URL, an address, a file name. */
function shellArg(w: string): boolean {
  return /^(?:-{1,2}[\w-]|\/|~\/?|\.{1,2}\/|\$|\*|[\w.-]+\/[\w./-]|[\w.-]+=|\w+:\/\/|\d{1,3}(?:\.\d{1,3}){3}\b|[\w-]+\.(?:[a-z]{2,4}|txt|log|conf|sh|py|php|xz|gz|tar|zip|yml|yaml|json|rb|pl|c)$)/i.test(w);
}

const BIN_PATH = /^\/(?:usr\/)?(?:local\/)?s?bin\/[\w.+-]+$/;
const REL_BIN_PATH = /^(?:\.\/)?(?:usr\/)?(?:local\/)?s?bin\/([\w.+-]+)$/;

function commandWord(w: string): { name: string; bin: boolean } {
  const rel = REL_BIN_PATH.exec(w);
  const bin = BIN_PATH.test(w) || (rel !== null && commandClass(rel[1] as string) !== undefined);
  const slash = w.lastIndexOf("/");
  return { name: slash >= 0 && slash < w.length - 1 ? w.slice(slash + 1) : w, bin };
}

/** English function words: arguments to a program hardly ever, sentences always. */
const PROSE_WORDS = new Set(["is", "are", "was", "were", "be", "been", "has", "have", "had", "the", "a", "an", "of", "to", "and", "or", "for", "with", "by", "that", "this", "which", "it", "its", "can", "will", "may", "should", "must", "not", "does", "did"]);

/** Wrappers that are also English words ("nice cat pictures", "time flies"). */
const ENGLISH_WRAPPERS = new Set(["time", "nice", "watch", "script", "command", "su", "exec", "eval", "then", "do", "else"]);

function judge(cmd: Command, lines: boolean): boolean {
  const words = cmd.words;
  let i = 0;
  while (i < words.length && /^[A-Za-z_]\w*=/.test(words[i] as string)) i++;
  let strongWrap = false;
  let weakWrap = false;
  let wrapper = -1;
  while (i < words.length && WRAPPERS.has((words[i] as string).toLowerCase())) {
    const w = (words[i] as string).toLowerCase();
    wrapper = i;
    i++;
    if (ENGLISH_WRAPPERS.has(w)) weakWrap = true;
    else if (w !== "!" && w !== "{" && w !== "(") strongWrap = true;
    while (i < words.length && /^(?:-|\d+[smhd]?$|[A-Za-z_]\w*=)/.test(words[i] as string)) i++;
  }
  // A wrapper running a known program further on (flock -u / whoami, sudo -u root id).
  // "strace is free software" puts English words between them: a sentence about the wrapper.
  if (strongWrap) {
    const k = words.findIndex((w, j) => j >= i && commandClass(commandWord(w).name) !== undefined);
    if (k >= 0 && !words.slice(i, k).some((w) => PROSE_WORDS.has(w.toLowerCase()))) return true;
  }
  if (i >= words.length && wrapper >= 0) {
    // Nothing left to wrap: the wrapper itself is the command (";env", "nohup --version").
    i = wrapper;
    strongWrap = weakWrap = false;
  }
  const first = words[i];
  if (first === undefined) return false;
  const { name, bin } = commandWord(first);
  const cls = commandClass(name);
  const args = words.slice(i + 1);
  // The first argument decides: "cat /etc/passwd" is a command line, "Read more at https://…" is prose.
  const shellish = args.length > 0 && (shellArg(args[0] as string) || (cmd.at !== "start" && args.some((a) => /^-{1,2}[a-z]/i.test(a))));
  if (bin && (cls !== undefined || args.length === 0 || shellish)) return true;
  if (cls === undefined) return false;
  const lower = name.toLowerCase();
  if (lower === "alias" && args.some((a) => /^[^=\s]+=/.test(a) || /^[+-]\w/.test(a))) return true;
  // Programs whose argument is itself a command line: trap 'cmd' SIG, eval "cmd", sh -c "cmd".
  if (lower === "trap" || lower === "eval" || (SHELLS.has(lower) && args[0] === "-c")) {
    for (const a of args) if (/\s/.test(a) && parse(a).some((c) => commandClass(commandWord(c.words[0] ?? "").name) !== undefined)) return true;
  }
  // A quoted word counts as assembled only for a program name that is no English word ('whoami', not "Source").
  if (cmd.at === "subst" || strongWrap || cmd.obf || (cmd.quoted && cls === "distinct")) return true;
  if (weakWrap && (cls === "distinct" || shellish)) return true;
  if (cmd.at === "sep") {
    if (cmd.sep === "|" && SHELLS.has(name.toLowerCase())) return true;
    if (cls === "distinct") return true;
    if (shellish) return true;
    // ";id" and "x && id" are commands; "Shoes & more" and a line reading "Who" are not.
    return args.length === 0 && (cmd.tight || cmd.sep === "&&" || cmd.sep === "||") && name.length >= 2 && cmd.sep !== "\n" && !lines;
  }
  // value start: a lone name ("uname", "lastlog") is a word unless terminated like a command line
  // "strace is free software; …" names the program in a sentence: its words are not arguments.
  if (cls === "distinct") return args.length === 0 ? cmd.ended : shellish || (args.every((a) => /^[\w.-]+$/.test(a)) && !args.some((a) => PROSE_WORDS.has(a.toLowerCase())));
  return shellish;
}

const SYNTAX = new RegExp(
  [
    "^\\s*\\(\\s*\\)\\s*\\{", // shellshock: a value that starts a function definition
    "(?<!<)<<<(?!<)", // here-string
    "[<>]\\(\\s*[\\w/$]", // process substitution
    "\\$\\(\\(|\\$\\[", // arithmetic expansion
    "/dev/(?:tcp|udp)/",
    "(?:^|[^\\w>=-])>{1,2}\\s*/(?:tmp|dev|etc|var|proc|home|root|usr|bin)/", // output redirected into a system path
    "\\b(?:ba|z|k|da|tc)?sh\\s+-[a-z]*[ci]\\b",
    "(?:^|[\\s;|&])~[+-]\\d*(?=$|[\\s/;|&])", // directory-stack expansion
    "^\\s*!-?\\d+(?:!-?\\d+)*\\s*$", // history expansion
    "\\$\\{[!#]?\\w+(?:[#%]{1,2}|:[-=?+]|:-?\\d|\\/\\/?|\\^\\^?|,,?)[^}]*\\}", // parameter-expansion operators
    "^\\s*\\$\\{\\w+\\}\\s*$", // a bare ${name}
    "\\$\\(\\s*[\\w./-]+(?:\\s[^()]*)?\\)(?!\\s*[.\\[])", // $(command) substitution
  ].join("|"),
  "i",
);

/** Absolute paths whose segments hide their names behind globs: /e?c/pa[s]swd, /bin/[u]name. */
const GLOB_PATH = /(?:^|[\s=;|&'"(<>])(\/[\w.*?\[\]!\/-]+)/g;

function globPath(s: string): boolean {
  GLOB_PATH.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = GLOB_PATH.exec(s)) !== null) {
    const p = m[1] as string;
    if (!/[*?\[]/.test(p)) continue;
    if (/\[[^\]]*\]/.test(p) && p.split("/").filter(Boolean).length >= 2) return true;
    const segs = p.split("/").filter(Boolean);
    const wild = (p.match(/[*?]/g) ?? []).length;
    if (wild >= 2 && segs.length >= 2 && segs.slice(0, -1).some((x) => /[*?]/.test(x))) return true;
  }
  return false;
}

/** {a,b} brace expansions whose expansions include a command name ({cat,/etc/passwd}, {l,-lh}s). */
function braceCommand(s: string): boolean {
  const re = /([\w-]*)\{([^{}\s"']*,[^{}\s"']*)\}([\w-]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const pre = m[1] ?? "";
    const post = m[3] ?? "";
    const alts = (m[2] as string).split(",");
    if (pre === "" && post === "" && alts[0] !== undefined && commandClass(commandWord(alts[0]).name) !== undefined && alts.length >= 2) return true;
    for (const a of alts) if (commandClass(commandWord(pre + a + post).name) !== undefined && (pre + a + post).length >= 2) return true;
  }
  return false;
}

/** Any word of `s` is a known program or wrapper (w'h'o'a'm'i splits into words that include one). */
function namesProgram(s: string): boolean {
  const re = /[A-Za-z_][\w.+-]*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const w = m[0];
    if (commandClass(w) !== undefined || WRAPPERS.has(w.toLowerCase())) return true;
    const slash = w.lastIndexOf("/");
    if (slash >= 0 && commandClass(w.slice(slash + 1)) !== undefined) return true;
  }
  return false;
}

const SEPARATORS = /[;&|`$\n(){}<>]/;
const TRIGGER = /[;&|`$\n(){}<>!~\/\\'"*?\[]/;

/** True when `input` carries a Unix shell command injection. */
export function detectUnixShell(input: string): boolean {
  if (input.length < 2) return false;
  const s = input.length > 4096 ? input.slice(0, 4096) : input;
  const trig = TRIGGER.test(s);
  if (!SEPARATORS.test(s)) {
    // No command separator or substitution: only a command line opening the value can matter.
    const first = /^\s*([\w.+\/'"\\-]+)/.exec(s)?.[1]?.replace(/['"\\]/g, "");
    const opens = first !== undefined && (commandClass(commandWord(first).name) !== undefined || WRAPPERS.has(first.toLowerCase()) || REL_BIN_PATH.test(first));
    if (!opens && !(trig && (SYNTAX.test(s) || (s.indexOf("/") >= 0 && /[*?[]/.test(s) && globPath(s)) || (s.indexOf("{") >= 0 && s.indexOf(",") >= 0 && braceCommand(s))))) return false;
  }
  if (trig) {
    if (SYNTAX.test(s)) return true;
    if (s.indexOf("/") >= 0 && /[*?[]/.test(s) && globPath(s)) return true;
    if (s.indexOf("{") >= 0 && s.indexOf(",") >= 0 && braceCommand(s)) return true;
  }
  // No word of the value names a program, and nothing could assemble one ($@, \, `…`): nothing runs.
  if (!/[$\\`]/.test(s) && !namesProgram(s)) return false;
  // A markdown table row ("| id | name |") uses pipes as cell borders, not as pipelines.
  const lines = s.indexOf("\n") >= 0;
  const text = s.indexOf("|") >= 0 ? s.replace(/^[ \t]*\|.*\|[ \t]*$/gm, "") : s;
  for (const cmd of parse(text)) if (judge(cmd, lines)) return true;
  // A value lifted out of a quoted string (JSON, a script) by the application keeps its
  // separators: read it once more with quotes as plain characters.
  if (/["']/.test(text)) for (const cmd of parse(text.replace(/["']/g, " "))) if (judge(cmd, lines)) return true;
  return false;
}
