/**
 * Path traversal and local file inclusion, judged on a normalised path:
 *
 *  - encodings file systems and servers undo are undone first: overlong UTF-8 (%c0%ae),
 *    "0x2e"/"0x5c" spelled out, the division slash and set minus (U+2215, U+2216) that
 *    Windows best-fit mapping turns into "/" and "\", backslashes read as slashes, NUL
 *    truncation;
 *  - traversal is a ".." segment between separators ("/", "\", and ";" which Tomcat and
 *    others treat as a path-parameter boundary: ..;/);
 *  - sensitive locations are system files and directories (/etc/passwd, /proc/self/…,
 *    /sys/class …, Windows system files), secrets in home directories, and the
 *    configuration directories of developer and AI-assistant tools (.git, .aws, .ssh,
 *    .claude, .cursor …) that a web server must never hand out.
 */

/** Sensitive files of Unix-like and Windows systems. */
const SYSTEM_FILES =
  /(?:^|[\\/\s=:'"(]|\.\.)(?:etc\/+(?:passwd|shadow|group|gshadow|hosts|issue|motd|sudoers|crontab|fstab|hostname|resolv\.conf|ssh\/|mysql\/|nginx\/|apache2?\/|httpd\/|master\.passwd|security\/|pam\.d|profile|bashrc|environment|localtime|machine-id|os-release|lsb-release|redhat-release|shells|inittab|cron\.\w+|exports|ld\.so\.\w+|sysctl\.conf|network\/|ssl\/)|proc\/+(?:self|thread-self|\d+)\/+(?:environ|cmdline|fd|maps|status|mem|cwd|root|exe|mounts|net|stat|limits|sched)|proc\/+(?:interrupts|version|cpuinfo|meminfo|mounts|net\/|sched_debug|kcore|kallsyms|modules|partitions|filesystems|cmdline|config\.gz|loadavg|uptime|devices|iomem|ioports|swaps|vmstat|sys\/)|sys\/+(?:class|kernel|devices|module|fs|firmware|power|bus|block|dev)\b|var\/+(?:log\/|mail\/|spool\/|lib\/(?:mysql|pgsql|docker|php)|www\/\.|run\/secrets|run\/docker\.sock)|root\/+\.|home\/+[^\\/\s]+\/+\.(?:ssh|bash_history|aws|docker|kube|gnupg|config)|usr\/+local\/+(?:apache|etc|apps)|dev\/+(?:tcp|udp|shm|mem|kmem|port|fd)\/|boot\/+grub|(?:boot|win|system)\.ini\b|windows\/+(?:system32|win\.ini|repair|debug|panther)|winnt\/|inetpub\/|(?:^|\/)\.(?:bash_history|bash_profile|mysql_history|psql_history|viminfo|netrc|pgpass|git-credentials|lesshst|python_history|node_repl_history|zsh_history)\b)/i;

/** Configuration directories of source control, cloud CLIs, containers and developer/AI tools. */
const TOOL_DIRS =
  /(?:^|[\\/])\.(?:git|svn|hg|bzr|cvs|aws|azure|gcloud|ssh|gnupg|docker|kube|terraform|vagrant|env(?:\.[\w-]+)?|npmrc|yarnrc|pypirc|netrc|htaccess|htpasswd|ds_store|idea|vscode|history|claude|cursor|cursorignore|cursorrules|aiignore|continue|aider|roo|zed|cline|clinerules|kiro|windsurf|windsurfrules|rovodev|codex|opencode|plandex|n8n|junie|copilot|codeium|tabnine|gemini|amazonq)(?:[\\/]|$)/i;

/** Undoes the encodings that turn into "." "/" "\" only after a server or file system reads them. */
export function normalisePath(s: string): string {
  let t = s;
  if (/[\xc0\xc1\xe0]/.test(t)) {
    // overlong UTF-8 forms of ASCII (%c0%ae is ".", %c0%af is "/", %e0%80%ae is ".")
    t = t.replace(/[\xc0\xc1]([\x80-\xbf])/g, (_m, b: string) => String.fromCharCode(((_m.charCodeAt(0) & 0x1f) << 6) | (b.charCodeAt(0) & 0x3f))).replace(/\xe0[\x80-\x9f]([\x80-\xbf])/g, (_m, b: string) => String.fromCharCode(((_m.charCodeAt(1) & 0x3f) << 6) | (b.charCodeAt(0) & 0x3f)));
  }
  if (t.indexOf("\xe2\x88") >= 0) t = t.replace(/\xe2\x88\x95/g, "/").replace(/\xe2\x88\x96/g, "\\");
  if (/0x(?:2e|2f|5c)/i.test(t)) t = t.replace(/0x2e/gi, ".").replace(/0x2f/gi, "/").replace(/0x5c/gi, "\\");
  if (t.indexOf("\0") >= 0) t = t.replace(/\0/g, "");
  return t.indexOf("\\") >= 0 ? t.replace(/\\/g, "/") : t;
}

/** ".." as a path segment: between separators, at the start before one, or at the end after one. */
const DOT_DOT = /(?:^|[\/;=:"'\s])\.{2,}[\/;]|\/\.{2,}(?:[\/;]|$)/;

/** True when `input` walks out of a directory ("../", "..\", "..;/", encoded forms). */
export function detectTraversal(input: string): boolean {
  if (input.length < 2 || input.indexOf(".") < 0 && input.indexOf("0x") < 0 && !/[\xc0\xc1\xe0]/.test(input)) return false;
  const t = normalisePath(input);
  return t.indexOf("..") >= 0 && DOT_DOT.test(t);
}

/** True when `input` names a sensitive system file or a tool's configuration directory. */
export function detectSensitivePath(input: string): boolean {
  if (input.length < 3 || !/[\/\\]|0x[25]|[\xc0\xc1\xe0\xe2]|\.(?:ini|bash_|mysql_|psql_|viminfo|netrc|pgpass|git-|lesshst|python_|node_repl|zsh_)/i.test(input)) return false;
  const t = normalisePath(input);
  return SYSTEM_FILES.test(t) || TOOL_DIRS.test(t);
}
