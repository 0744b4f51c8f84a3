/**
 * Operating-system rule groups:
 *  - AWSManagedRulesLinuxRuleSet (awswaf:managed:aws:linux-os:): local file inclusion of
 *    system files and of tool configuration directories (detect/traversal.ts).
 *  - AWSManagedRulesUnixRuleSet (awswaf:managed:aws:posix-os:): POSIX shell command
 *    injection judged with shell grammar (detect/shell.ts).
 *  - AWSManagedRulesWindowsRuleSet (awswaf:managed:aws:windows-os:): cmd.exe and PowerShell
 *    command injection (detect/windows.ts).
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { or, rule } from "./build.js";
import { detectAt } from "./natives.js";
import { detectSensitivePath } from "../detect/traversal.js";
import { detectUnixShell } from "../detect/shell.js";
import { detectWindowsCmd, detectPowerShell } from "../detect/windows.js";

const osFiles = detectSensitivePath;

export const LINUX_RULES: Rule[] = [
  rule("LFI_URIPATH", 0, detectAt("path", "os-files", osFiles), "LFI_URIPath"),
  rule("LFI_QUERYSTRING", 1, detectAt("query", "os-files", osFiles), "LFI_QueryString"),
  rule("LFI_HEADER", 2, or(detectAt("headers", "os-files", osFiles), detectAt("cookies", "os-files", osFiles)), "LFI_Header"),
  rule("LFI_BODY", 3, detectAt("body", "os-files", osFiles), "LFI_Body"),
];

export const UNIX_RULES: Rule[] = [
  rule("UNIXShellCommandsVariables_QUERYARGUMENTS", 0, detectAt("query", "unix-shell", detectUnixShell), "UNIXShellCommandsVariables_QueryArguments"),
  rule("UNIXShellCommandsVariables_BODY", 1, detectAt("body", "unix-shell", detectUnixShell), "UNIXShellCommandsVariables_Body"),
  rule("UNIXShellCommandsVariables_HEADER", 2, or(detectAt("headers", "unix-shell", detectUnixShell), detectAt("cookies", "unix-shell", detectUnixShell)), "UNIXShellCommandsVariables_Header"),
];

export const WINDOWS_RULES: Rule[] = [
  rule("WindowsShellCommands_COOKIE", 0, detectAt("cookies", "windows-cmd", detectWindowsCmd), "WindowsShellCommands_Cookie"),
  rule("WindowsShellCommands_QUERYARGUMENTS", 1, detectAt("query", "windows-cmd", detectWindowsCmd), "WindowsShellCommands_QueryArguments"),
  rule("WindowsShellCommands_BODY", 2, detectAt("body", "windows-cmd", detectWindowsCmd), "WindowsShellCommands_Body"),
  rule("PowerShellCommands_COOKIE", 3, detectAt("cookies", "powershell", detectPowerShell), "PowerShellCommands_Cookie"),
  rule("PowerShellCommands_QUERYARGUMENTS", 4, detectAt("query", "powershell", detectPowerShell), "PowerShellCommands_QueryArguments"),
  rule("PowerShellCommands_BODY", 5, detectAt("body", "powershell", detectPowerShell), "PowerShellCommands_Body"),
];
