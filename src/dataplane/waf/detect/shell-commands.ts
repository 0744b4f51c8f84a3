/**
 * Names of Unix programs and shell builtins, for judging the first word of a shell command.
 *
 *  - DISTINCT: names that essentially never occur as ordinary words (whoami, ifconfig,
 *    chmod, ansible-playbook …). Seen in a command position they are a command.
 *  - TOOL: names that are also English words or common in prose about software (cat, find,
 *    time, curl, python …). They count as commands only when the shell grammar around them
 *    says so (an option, a path or a redirection follows; a command separator sits tight
 *    against them; they run inside a substitution).
 *  - WRAPPERS: programs that run the command that follows them (sudo, nohup, time, env …).
 *
 * The lists are knowledge of what Unix systems ship, grouped by purpose; they are not
 * derived from any test corpus.
 */

const distinct = [
  // identity, system information
  "whoami", "uname", "hostid", "ifconfig", "iwconfig", "lsb_release", "dmidecode", "lscpu", "lsblk", "lspci", "lsusb", "lsmod", "dmesg", "getent", "printenv", "lastlog", "lastlogin", "lastb", "logname", "sysctl", "ulimit", "nproc", "getconf", "timedatectl", "hostnamectl", "loginctl",
  // users, permissions
  "passwd", "chpasswd", "useradd", "userdel", "usermod", "adduser", "deluser", "groupadd", "groupdel", "groupmod", "gpasswd", "newgrp", "visudo", "sudoedit", "chmod", "chown", "chgrp", "chattr", "lsattr", "setfacl", "getfacl", "setcap", "getcap", "umask", "pkexec", "doas", "runuser", "chroot", "unshare", "nsenter", "capsh",
  // processes, services, kernel
  "pkill", "killall", "pgrep", "pidof", "pstree", "htop", "nohup", "setsid", "cpulimit", "renice", "ionice", "taskset", "chrt", "systemctl", "journalctl", "crontab", "atq", "atrm", "initctl", "telinit", "runlevel", "insmod", "rmmod", "modprobe", "depmod", "kexec", "swapon", "swapoff", "umount", "fdisk", "mkfs", "losetup", "cryptsetup", "blkid", "udevadm", "ldconfig",
  // networking
  "netcat", "ncat", "socat", "tftp", "iptables", "ip6tables", "nftables", "firewall-cmd", "tcpdump", "tshark", "masscan", "hping3", "tracepath", "nslookup", "arping", "ifup", "ifdown", "nmcli", "iwlist", "ethtool", "ssh-keyscan", "ssh-copy-id", "sshpass", "smbclient", "rpcclient", "showmount", "ldapsearch", "snmpwalk", "lftp", "aria2c", "lwp-download", "lwp-request",
  // files and data
  "base32", "basenc", "xxd", "hexdump", "readelf", "objdump", "ldd", "strace", "ltrace", "lsof", "fuser", "inotifywait", "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum", "cksum", "fallocate", "mktemp", "mkfifo", "mknod", "readlink", "realpath", "tac", "csplit", "shuf", "tsort", "dos2unix", "unix2dos", "zcat", "zgrep", "zless", "zmore", "zdiff", "bzcat", "bzgrep", "xzcat", "xzgrep", "lzcat", "zstdcat", "gunzip", "bunzip2", "unxz", "unlzma", "unzstd", "bzip2", "7za", "unrar", "bsdtar", "cpio", "rmt", "rmt-tar", "rmt-dump", "gawk", "nawk", "mawk", "egrep", "fgrep", "rgrep", "mysqldump", "mysqladmin", "pg_dump", "pg_dumpall", "mongodump", "redis-cli",
  // interpreters, compilers, package managers (the unmistakable spellings)
  "busybox", "toybox", "python2", "python3", "php-cgi", "luajit", "tclsh", "jrunscript", "jjs", "jshell", "c89", "c99", "g++", "clang++", "gccgo", "apt-get", "apt-cache", "aptitude", "dpkg", "dpkg-query", "zypper", "easy_install", "cpanm", "msfconsole", "msfvenom", "linpeas", "pspy",
  // orchestration and security tooling abused after a foothold
  "ansible-playbook", "ansible-config", "ansible-console", "ansible-doc", "ansible-galaxy", "ansible-inventory", "ansible-pull", "ansible-vault", "chef-client", "chef-run", "chef-shell", "chef-solo", "chef-vault", "salt-call", "crictl", "cscli", "aa-disable", "aa-enforce", "aa-complain", "apparmor_parser", "setenforce", "getenforce", "auditctl", "aureport", "ausearch", "bpftrace", "xdg-open",
];

const tool = [
  "sh", "gdb", "trap", "bash", "zsh", "ksh", "csh", "tcsh", "dash", "ls", "ll", "dir", "vdir", "cat", "more", "less", "head", "tail", "cut", "paste", "join", "split", "sort", "uniq", "wc", "tr", "tee", "diff", "cmp", "patch", "file", "find", "locate", "which", "whereis", "type", "grep", "rg", "awk", "sed", "echo", "printf", "read", "test", "yes", "seq", "expr", "bc", "date", "sleep", "wait", "kill", "ps", "top", "free", "df", "du", "id", "who", "w", "last", "uptime", "hostname", "users", "groups", "env", "export", "set", "unset", "alias", "source", "eval", "exec", "trap", "history", "cd", "pwd", "mkdir", "rmdir", "rm", "cp", "mv", "ln", "touch", "install", "tar", "zip", "unzip", "gzip", "xz", "7z", "curl", "wget", "ping", "nc", "ss", "ip", "ssh", "scp", "sftp", "rsync", "telnet", "ftp", "netstat", "nmap", "dig", "host", "whois", "traceroute", "route", "arp", "openssl", "gpg", "ssh-keygen", "git", "svn", "make", "cmake", "gcc", "cc", "clang", "rustc", "javac", "python", "pypy", "perl", "ruby", "irb", "php", "lua", "node", "nodejs", "deno", "java", "groovy", "go", "npm", "npx", "yarn", "pnpm", "pip", "pip3", "gem", "cargo", "composer", "apt", "yum", "dnf", "rpm", "apk", "pacman", "brew", "snap", "vi", "vim", "nvim", "nano", "emacs", "ed", "jq", "sqlite3", "mysql", "psql", "mongo", "mongosh", "docker", "podman", "kubectl", "terraform", "ansible", "puppet", "salt", "knife", "perf", "flock", "watch", "screen", "tmux", "at", "man", "su", "sudo", "time", "timeout", "nice", "command", "let", "declare", "logger", "mail", "sendmail", "wall", "dd", "stat", "strings", "od", "nl", "rev", "base64", "shred", "truncate", "mount", "service", "shutdown", "reboot", "halt", "poweroff", "whoami", "hexdump", "uname", "python3", "ps",
];

/** Programs that run the command named after them (possibly after their own options). */
export const WRAPPERS = new Set(["sudo", "doas", "nohup", "time", "nice", "ionice", "timeout", "env", "command", "builtin", "exec", "eval", "strace", "ltrace", "xargs", "setsid", "busybox", "toybox", "stdbuf", "unbuffer", "chroot", "runuser", "su", "watch", "cpulimit", "flock", "taskset", "chrt", "script", "then", "do", "else", "!", "{", "("]);

export const DISTINCT_COMMANDS: ReadonlySet<string> = new Set(distinct.map((c) => c.toLowerCase()));
export const TOOL_COMMANDS: ReadonlySet<string> = new Set(tool.filter((c) => !DISTINCT_COMMANDS.has(c)));

/** Shell interpreters: what a download or a decoded string gets piped into to run it. */
export const SHELLS: ReadonlySet<string> = new Set(["sh", "gdb", "trap", "bash", "zsh", "ksh", "csh", "tcsh", "dash", "fish", "busybox", "python", "python2", "python3", "perl", "ruby", "php", "node", "lua"]);

const VERSIONED = new Set(["python", "pypy", "php", "perl", "ruby", "node", "nodejs", "gcc", "g++", "clang", "lua", "luajit", "java", "pip", "tclsh", "bash", "zsh", "ksh"]);

export type CommandClass = "distinct" | "tool" | undefined;

/** Classifies a word already stripped of shell quoting; versioned names (python3.10, gcc-12) count as their program. */
export function commandClass(word: string): CommandClass {
  const w = word.toLowerCase();
  if (DISTINCT_COMMANDS.has(w)) return "distinct";
  if (TOOL_COMMANDS.has(w)) return "tool";
  // Versioned interpreters and compilers: python3.10, php8, gcc-12.
  const base = /^([a-z][a-z+]*?)(?:-?\d+(?:\.\d+)*)$/.exec(w);
  if (base && VERSIONED.has(base[1] as string)) return "distinct";
  return undefined;
}
