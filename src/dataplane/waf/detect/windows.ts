/**
 * Windows command injection: cmd.exe and PowerShell, judged by their grammar.
 *
 * cmd.exe: the line is split at & && | || and newlines (after removing the caret escapes
 * and quote games cmd.exe ignores: c^m^d, "c"md) and the first word of each command is
 * judged like detect/shell.ts does for POSIX shells: distinctive programs (certutil,
 * schtasks …) count after a separator or opening the value; programs named like English
 * words (call, set, type, start …) need cmd syntax around them (a /switch, a drive path, a
 * %variable%). FOR and IF statements, %VAR:~x,y% substring tricks and references to system
 * variables are recognised on their own.
 *
 * PowerShell: Verb-Noun cmdlets with a noun that acts on the system, the risky aliases
 * when used with parameters, .NET type accelerators and static calls, download cradles and
 * the command-line flags used to hide a payload (-EncodedCommand, -nop, -w hidden).
 */

const WIN_DISTINCT = new Set([
  "cmd", "cmd.exe", "command.com", "powershell", "powershell.exe", "pwsh", "pwsh.exe", "net1", "tasklist", "taskkill", "systeminfo", "ipconfig", "regedit", "schtasks", "wmic", "certutil", "bitsadmin", "mshta", "rundll32", "regsvr32", "cscript", "wscript", "msiexec", "whoami", "bcdboot", "bcdedit", "vssadmin", "wevtutil", "icacls", "cacls", "takeown", "xcopy", "robocopy", "diskpart", "nltest", "dsquery", "klist", "cmdkey", "runas", "forfiles", "findstr", "mklink", "fsutil", "netsh", "nslookup", "qprocess", "quser", "qwinsta", "tscon", "wusa", "dism", "sfc", "msbuild", "installutil", "regasm", "regsvcs", "odbcconf", "pcalua", "esentutl", "extrac32", "makecab", "ieexec", "cmstp", "mavinject", "msdt", "wsl", "bash.exe", "ftp.exe", "tftp", "curl.exe", "wget.exe", "attrib", "wbadmin", "bootcfg", "driverquery", "getmac", "gpresult", "gpupdate", "manage-bde", "mountvol", "openfiles", "pathping", "setx", "tracert", "tzutil", "winrm", "winrs", "wmiprvse",
]);
const WIN_TOOL = new Set(["type", "copy", "del", "erase", "ren", "rename", "move", "dir", "cd", "chdir", "md", "mkdir", "rd", "rmdir", "echo", "start", "call", "set", "ping", "more", "sort", "find", "tree", "title", "color", "path", "pushd", "popd", "exit", "goto", "shift", "label", "assoc", "ftype", "format", "print", "arp", "route", "hostname", "netstat", "expand", "control", "explorer", "notepad", "calc", "query", "where", "replace", "recover", "compact", "cipher", "at", "net", "reg", "sc", "ver", "vol", "subst", "waitfor", "shutdown", "logoff"]);

/** A cmd.exe argument: a /switch, a drive or UNC path, a %variable%, a redirection or a file name. */
function cmdArg(w: string): boolean {
  return /^(?:\/[a-z?]{1,12}(?::\S*)?$|[a-z]:[\\/]|\\\\|%\w+%|[<>]|[\w.-]+\\|[\w-]+\.(?:exe|bat|cmd|ps1|vbs|js|dll|txt|reg|lnk|hta|msi)$|https?:\/\/|hk(?:lm|cu|cr|u|cc|ey_\w+)\b)/i.test(w);
}

function cmdNormalise(s: string): string {
  // cmd.exe drops carets and lets quotes split a word anywhere.
  let t = s.indexOf("^") >= 0 ? s.replace(/\^(.)/g, "$1") : s;
  if (t.indexOf('"') >= 0) t = t.replace(/(\w)""?(\w)/g, "$1$2").replace(/(^|[\s&|;(])"(\w+)"(?=[\s&|;)]|$)/g, "$1$2");
  return t;
}

function judgeCmd(words: string[], at: "start" | "sep", tight: boolean, ended: boolean): boolean {
  let i = 0;
  while (i < words.length && /^@|^\($/.test(words[i] as string)) i++;
  const w0 = (words[i] ?? "").replace(/^@/, "").toLowerCase();
  if (w0 === "") return false;
  let name = w0.replace(/^.*\\/, "");
  const args = words.slice(i + 1);
  const slash = name.indexOf("/");
  if (slash > 0) {
    // cmd.exe reads "bcdboot/r" as the program and a switch.
    args.unshift(name.slice(slash));
    name = name.slice(0, slash);
  }
  const sw = args.some(cmdArg) || (args.length === 0 && tight && at === "sep");
  if (WIN_DISTINCT.has(name) || (name.endsWith(".exe") && WIN_DISTINCT.has(name.slice(0, -4)))) return at === "sep" || sw || (args.length === 0 && ended);
  if (WIN_TOOL.has(name)) return sw;
  return false;
}

const FOR_STMT = /\bfor\s*(?:\/[a-z]\s*(?:"[^"]*"\s*|[^\s%"]+\s+)?)*%{1,2}\S*\s+in\s*\(/i;
const IF_STMT = /(?:^|[\s&|(])if\s*(?:\/i\s*)?(?:not\s+)?(?:(?:exist|defined|errorlevel|cmdextversion)\s+\S|"[^"]*"\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s)|[^\s=]+\s*==\s*\S|\S+\s+(?:equ|neq|lss|leq|gtr|geq)\s+\S)/i;
const CMD_SYNTAX = /%\w+:~-?\d+(?:,-?\d+)?%|%(?:systemroot|windir|comspec|systemdrive|programfiles(?:\(x86\))?|programdata|appdata|localappdata|temp|tmp|userprofile|homedrive|homepath|username|computername|public|allusersprofile|psmodulepath)%|\bcmd(?:\.exe)?\s+\/[ckr]\b|\bnet1?\s+(?:user|localgroup|group|share|use|view|start|stop|session|accounts)\b/i;

/** True when `input` carries a cmd.exe command injection. */
export function detectWindowsCmd(input: string): boolean {
  if (input.length < 2) return false;
  if (!/[&|;\n%^"]/.test(input)) {
    // No cmd.exe syntax: only a command opening the value, or FOR/IF statements, can matter.
    const first = /^\s*@?([\w.-]+)/.exec(input)?.[1]?.toLowerCase();
    if (first === undefined || (!WIN_DISTINCT.has(first) && !WIN_TOOL.has(first) && first !== "for" && first !== "if" && !/\b(?:for|if)\b/i.test(input))) return false;
  }
  const s = cmdNormalise(input.length > 4096 ? input.slice(0, 4096) : input);
  if (CMD_SYNTAX.test(s) || FOR_STMT.test(s) || IF_STMT.test(s)) return true;
  if (!/\b(?:for|if)\b/i.test(s)) {
    // No word of the value is a cmd.exe program or builtin: nothing runs.
    let known = false;
    for (const w of s.toLowerCase().match(/[a-z][\w.-]*/g) ?? []) if (WIN_DISTINCT.has(w) || WIN_TOOL.has(w) || WIN_DISTINCT.has(w.replace(/[/.].*$/, ""))) {
      known = true;
      break;
    }
    if (!known) return false;
  }
  // Split into commands at cmd.exe separators; a markdown table row is not a pipeline.
  const text = s.indexOf("|") >= 0 ? s.replace(/^[ \t]*\|.*\|[ \t]*$/gm, "") : s;
  const re = /(\|\||&&|[&|\n;]|^)([^&|\n;]*)/g;
  let m: RegExpExecArray | null;
  let first = true;
  while ((m = re.exec(text)) !== null) {
    if (m[0] === "") {
      re.lastIndex++;
      if (re.lastIndex > text.length) break;
      continue;
    }
    const sep = m[1] as string;
    const body = m[2] as string;
    const words = body.trim().split(/\s+/).filter(Boolean);
    const at = sep === "" ? "start" : "sep";
    const tight = sep !== "" && sep !== "\n" && (body.length > 0 && !/^\s/.test(body) || first);
    const ended = re.lastIndex < text.length;
    if (words.length > 0 && !(sep === "\n" && !WIN_DISTINCT.has((words[0] as string).toLowerCase())) && judgeCmd(words, at, tight, ended)) return true;
    first = false;
  }
  return false;
}

const PS_NOUNS = "(?:expression|webrequest|restmethod|command|item|itemproperty|childitem|content|process|service|wmimethod|wmiobject|ciminstance|cimmethod|object|localuser|localgroupmember|mppreference|executionpolicy|acl|scheduledtask|netfirewallrule|psdrive|pssession|job|module|credential|clipboard|shellcode|mimikatz|dllinjection|reflectivepeinjection|tokenmanipulation|smbexec|wmiexec|bloodhound|computerinfo|hotfix|eventlog|winevent)";
const PS_VERBS = "(?:invoke|get|set|new|remove|start|stop|add|import|export|out|copy|move|rename|clear|enable|disable|register|unregister|enter|test|convertto|convertfrom|write|read|select|format|iex)";
const POWERSHELL = new RegExp(
  [
    `\\b${PS_VERBS}-${PS_NOUNS}\\b`,
    "\\b(?:powershell|pwsh)(?:\\.exe)?\\b",
    "(?:^|[\\s;|&(])(?:iex|iwr|irm|iwmi|gwmi|icm|saps|sal|gci|gcm|ni|ri|sls)\\s+(?:-\\w+|\\(|\\$|['\"]|https?:)",
    "(?:^|[\\s;|&(])iex\\s*\\(",
    "\\[(?:system\\.)?(?:convert|text\\.encoding|reflection\\.assembly|io\\.(?:file|compression)|net\\.webclient|diagnostics\\.process|runtime\\.interopservices|management\\.automation|environment)\\]\\s*::",
    "\\bnew-object\\s+(?:-\\w+\\s+)?(?:system\\.)?(?:net\\.(?:webclient|sockets)|io\\.|diagnostics\\.|management\\.)",
    "\\.\\s*(?:downloadstring|downloadfile|downloaddata|uploadstring)\\s*\\(",
    "(?:^|\\s)-(?:encodedcommand|enc|ec|executionpolicy|ep|noprofile|nop|noninteractive|windowstyle|w\\s+hidden|exec\\s+bypass)\\b",
    "\\$env:(?:comspec|windir|systemroot|temp|appdata|userprofile|path|computername|username)\\b",
  ].join("|"),
  "i",
);

/** True when `input` carries a PowerShell command injection. */
export function detectPowerShell(input: string): boolean {
  if (input.length < 3) return false;
  const s = input.length > 4096 ? input.slice(0, 4096) : input;
  return POWERSHELL.test(s.indexOf("`") >= 0 ? s.replace(/`(\w)/g, "$1") : s);
}
