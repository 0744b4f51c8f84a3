/**
 * Operating-system rule groups:
 *  - AWSManagedRulesLinuxRuleSet (awswaf:managed:aws:linux-os:): local file inclusion of
 *    well-known system files.
 *  - AWSManagedRulesUnixRuleSet (awswaf:managed:aws:posix-os:): POSIX shell command
 *    injection — commands after a shell separator, command substitution, shell variables.
 *  - AWSManagedRulesWindowsRuleSet (awswaf:managed:aws:windows-os:): cmd.exe and PowerShell
 *    command injection.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { F, regex, or, rule, type T } from "./build.js";

/** Sensitive files of Unix-like and Windows systems, reached by absolute or traversal paths. */
const OS_FILES =
  "(?i)(?:^|[\\\\/\\s=:'\"]|\\.\\.)(?:etc[\\\\/]+(?:passwd|shadow|group|gshadow|hosts|issue|motd|sudoers|crontab|fstab|hostname|resolv\\.conf|ssh[\\\\/]|mysql[\\\\/]|nginx[\\\\/]|apache2?[\\\\/]|httpd[\\\\/]|master\\.passwd|security[\\\\/]|pam\\.d|profile|bashrc|environment|localtime|machine-id)|proc[\\\\/]+(?:self|\\d+)[\\\\/]+(?:environ|cmdline|fd|maps|status|mem|cwd|root|exe)|var[\\\\/]+(?:log|mail|spool|lib[\\\\/]mysql|www[\\\\/]\\.)|root[\\\\/]+\\.|home[\\\\/]+[^\\\\/]+[\\\\/]+\\.(?:ssh|bash_history|aws|docker)|\\.ssh[\\\\/]+(?:id_\\w+|authorized_keys|known_hosts|config)|usr[\\\\/]+local[\\\\/]+(?:apache|etc|apps)|dev[\\\\/]+(?:tcp|udp|shm)[\\\\/]|boot[\\\\/]+grub|(?:boot|win|system)\\.ini\\b|windows[\\\\/]+(?:system32|win\\.ini|repair)|winnt[\\\\/]|inetpub[\\\\/]|\\.(?:bash_history|bash_profile|mysql_history|psql_history|viminfo|netrc|pgpass|git-credentials)\\b)";

/** Shell commands after a separator or inside substitution, shell variables, reverse shells, shellshock. */
const CMDS = "(?:cat|tac|nl|ls|dir|id|whoami|uname|wget|curl|lwp-download|fetch|nc|ncat|netcat|bash|sh|zsh|ksh|csh|tcsh|dash|python[23]?|perl|ruby|php|lua|node|nmap|ping|chmod|chown|chgrp|rm|rmdir|mv|cp|echo|printf|touch|kill|killall|pkill|ps|ifconfig|ip|netstat|telnet|ssh|scp|rsync|tftp|ftp|base64|xxd|od|head|tail|more|less|awk|gawk|sed|find|grep|egrep|env|printenv|export|sleep|crontab|useradd|usermod|passwd|mkfifo|socat|tar|gzip|gunzip|unzip|unxz|xz|bzip2|nohup|exec|eval|sudo|su|systemctl|service|dd|tee|whereis|hostname|hostid|lsof|mount|df|du|free|uptime|uniq|xargs|strings|readlink|cmp|openssl|gcc|cc|make|apt|apt-get|yum|dnf|apk|pip|npm|java|jrunscript|busybox|setsid|timeout|shutdown|reboot|chattr|lsattr|getent|ldd|strace|ltrace|gdb|tcpdump|iptables|nft|mkdir|ln|expr|md5sum|sha\\d+sum|hexdump|zcat|zgrep|bzcat|xzcat|sqlite3|mysql|psql|redis-cli|mongo)";
const ARG = "(?:-{1,2}[a-z][\\w-]*|/[\\w.~*-]|~/|\\.{1,2}/|\\$\\{?\\w|[<>|]|https?://)";
const UNIX =
  `(?i)(?:[;&|\`]|\\$\\(|\\|\\||&&)\\s*(?:(?:/?(?:usr/)?(?:local/)?s?bin/)|[\\w.-]+=\\S*\\s+)?${CMDS}(?:\\s+${ARG}|\\s*(?:[;&|)\`<>]|$))` +
  `|(?:^|[\\r\\n({])\\s*(?:/?(?:usr/)?(?:local/)?s?bin/)?${CMDS}\\s+${ARG}` +
  "|\\$\\(\\s*" + CMDS + "\\b" +
  "|`\\s*" + CMDS + "\\s+" + ARG + "[^`]*`" +
  "|\\$\\{?(?:ifs|path|home|shell|user|pwd|oldpwd|hostname|bash_\\w+|ld_preload|ps1|random)\\b\\}?" +
  "|/(?:usr/)?(?:local/)?s?bin/(?:ba|z|k|c|tc|da)?sh\\b|/dev/(?:tcp|udp)/|\\bnc(?:at)?\\s+(?:-\\w+\\s+)*(?:-e|-c)\\b|\\bbash\\s+-i\\b|\\bsh\\s+-c\\b" +
  "|\\(\\s*\\)\\s*\\{[^}]*;\\s*\\}|[<>]\\(\\s*\\w|\\b(?:system|exec|passthru|popen|proc_open|shell_exec)\\s*\\(\\s*['\"`]?[^)]*\\b" + CMDS + "\\b";

/** For free text (bodies, headers): a command must come with an argument. */
const UNIX_STRICT = UNIX.replace("(?:\\s+" + ARG + "|\\s*(?:[;&|)`<>]|$))", "\\s+" + ARG);

/** cmd.exe: FOR/IF batch syntax, chained commands, well-known binaries; PowerShell cmdlets and flags. */
const WIN_CMD =
  "(?i)\\bfor\\s+(?:/[a-z]\\s+(?:\"[^\"]*\"\\s+|\\S+\\s+)?)*%%?[^\\s]{1,2}\\s+in\\s*\\(|\\bif\\s+(?:/i\\s+)?(?:not\\s+)?(?:exist\\b|defined\\b|errorlevel\\b|cmdextversion\\b|\\S+\\s*(?:===?|\\b(?:equ|neq|lss|leq|gtr|geq)\\b)|\\(\\s*\\S+\\s+(?:equ|neq|lss|leq|gtr|geq)\\b)" +
  "|(?:^|[;&|`]|&&|\\|\\|)\\s*(?:cmd(?:\\.exe)?\\s+/[ck]|(?:net|net1)\\s+(?:user|localgroup|share|use|view|start|stop)\\b|(?:type|copy|del|erase|ren|rename|move|xcopy|robocopy|attrib|dir|cd|md|rd|mkdir|rmdir|tasklist|taskkill|systeminfo|ipconfig|netstat|reg|regedit|sc|schtasks|wmic|certutil|bitsadmin|mshta|rundll32|regsvr32|cscript|wscript|msiexec|whoami|hostname|ver|vol|echo|start|call|set)\\b(?:\\s|$))" +
  "|%(?:systemroot|windir|comspec|systemdrive|programfiles|appdata|temp|userprofile|homedrive|username|computername)%" +
  "|\\b(?:certutil(?:\\.exe)?\\s+-(?:urlcache|decode)|bitsadmin\\s+/transfer|mshta(?:\\.exe)?\\s+(?:https?|javascript|vbscript)|rundll32(?:\\.exe)?\\s+\\S+,|regsvr32(?:\\.exe)?\\s+/s|wmic\\s+(?:process|os|useraccount|shadowcopy))";
const POWERSHELL =
  "(?i)\\bpowershell(?:\\.exe)?\\b|\\bpwsh(?:\\.exe)?\\b|\\b(?:invoke-(?:expression|webrequest|restmethod|command|item|wmimethod|mimikatz|shellcode)|iex|iwr|irm|start-process|new-object\\s+(?:-\\w+\\s+)?(?:system\\.net\\.webclient|net\\.webclient|system\\.io|io\\.)|downloadstring|downloadfile|get-(?:process|childitem|content|wmiobject|ciminstance|item|acl|service|localuser)|set-(?:executionpolicy|mppreference|content|item)|add-mppreference|remove-item|frombase64string|-(?:encodedcommand|enc|ec|executionpolicy|exec|windowstyle|nop|noprofile|noninteractive)\\s|\\[system\\.(?:convert|text\\.encoding|reflection|io)|\\$env:\\w+)\\b";

const DEC: T[] = ["URL_DECODE", "HTML_ENTITY_DECODE"];

export const LINUX_RULES: Rule[] = [
  rule("LFI_URIPATH", 0, regex(F.path, OS_FILES, "URL_DECODE_UNI", "NORMALIZE_PATH_WIN"), "LFI_URIPath"),
  rule("LFI_QUERYSTRING", 1, or(regex(F.queryString, OS_FILES, "URL_DECODE_UNI", "HTML_ENTITY_DECODE"), regex(F.allArgs, OS_FILES, "URL_DECODE_UNI", "HTML_ENTITY_DECODE", "NORMALIZE_PATH_WIN")), "LFI_QueryString"),
  rule("LFI_HEADER", 2, regex(F.headerValues, OS_FILES, "URL_DECODE_UNI", "HTML_ENTITY_DECODE"), "LFI_Header"),
  rule("LFI_BODY", 3, regex(F.body, OS_FILES, "URL_DECODE_UNI", "HTML_ENTITY_DECODE"), "LFI_Body"),
];

export const UNIX_RULES: Rule[] = [
  rule("UNIXShellCommandsVariables_QUERYARGUMENTS", 0, or(regex(F.allArgs, UNIX, ...DEC), regex(F.allArgs, UNIX, "URL_DECODE", "HTML_ENTITY_DECODE", "CMD_LINE_UNIX")), "UNIXShellCommandsVariables_QueryArguments"),
  rule("UNIXShellCommandsVariables_BODY", 1, regex(F.body, UNIX_STRICT, ...DEC), "UNIXShellCommandsVariables_Body"),
  rule("UNIXShellCommandsVariables_HEADER", 2, regex(F.headerValues, UNIX_STRICT, ...DEC), "UNIXShellCommandsVariables_Header"),
];

export const WINDOWS_RULES: Rule[] = [
  rule("WindowsShellCommands_COOKIE", 0, regex(F.cookieValues, WIN_CMD, ...DEC), "WindowsShellCommands_Cookie"),
  rule("WindowsShellCommands_QUERYARGUMENTS", 1, regex(F.allArgs, WIN_CMD, "URL_DECODE", "HTML_ENTITY_DECODE", "COMPRESS_WHITE_SPACE"), "WindowsShellCommands_QueryArguments"),
  rule("WindowsShellCommands_BODY", 2, regex(F.body, WIN_CMD, "URL_DECODE", "HTML_ENTITY_DECODE", "COMPRESS_WHITE_SPACE"), "WindowsShellCommands_Body"),
  rule("PowerShellCommands_COOKIE", 3, regex(F.cookieValues, POWERSHELL, ...DEC), "PowerShellCommands_Cookie"),
  rule("PowerShellCommands_QUERYARGUMENTS", 4, regex(F.allArgs, POWERSHELL, ...DEC), "PowerShellCommands_QueryArguments"),
  rule("PowerShellCommands_BODY", 5, regex(F.body, POWERSHELL, ...DEC), "PowerShellCommands_Body"),
];
