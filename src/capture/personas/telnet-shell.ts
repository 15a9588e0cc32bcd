/**
 * @module The telnet persona's BusyBox shell: answers a typed line the way an ash login shell on
 * a small device would, from canned text only. It never executes, fetches or forwards anything:
 * `wget` fails, `echo` only prints, files are a handful of fixed strings.
 */

import { splitCommands } from "./telnet-words.js";

/** Commands answered per typed line (`a; b; c`); the rest of a longer line is ignored. */
export const MAX_SHELL_COMMANDS = 32;
/** Nested `sh` levels a session may open (each needs one `exit`). */
export const MAX_SHELL_DEPTH = 16;
/** Characters of output per typed line. */
export const MAX_SHELL_OUTPUT = 8192;

/** A session's shell: its nesting depth (a login shell is 0). */
export interface ShellState {
  depth: number;
}

/** What a line printed (terminal text: CRLF line ends) and whether the login shell exited. */
export interface ShellAnswer {
  output: string;
  exit: boolean;
}

/** Writable mounts are what a loader looks for (`cat /proc/mounts`). */
const MOUNTS =
  "rootfs / rootfs rw 0 0\n/dev/root / squashfs ro,relatime 0 0\nproc /proc proc rw,relatime 0 0\n" +
  "sysfs /sys sysfs rw,relatime 0 0\ntmpfs /dev tmpfs rw,relatime 0 0\n" +
  "devpts /dev/pts devpts rw,relatime,mode=600 0 0\ntmpfs /tmp tmpfs rw,relatime 0 0\n" +
  "tmpfs /var tmpfs rw,relatime 0 0\n";
const CPUINFO =
  "system type\t\t: Ralink SoC\nprocessor\t\t: 0\ncpu model\t\t: MIPS 24KEc V5.0\n" +
  "BogoMIPS\t\t: 386.04\n";
/** An ELF header (32-bit, little-endian ARM executable): what `cat /bin/echo` shows a loader. */
const ELF_HEADER =
  "\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x28\0\x01\0\0\0\x54\x80\0\0\x34\0\0\0";
const FILES: Record<string, string> = {
  "/proc/mounts": MOUNTS,
  "/proc/cpuinfo": CPUINFO,
  "/proc/version": "Linux version 3.10.14 (root@localhost) (gcc version 4.6.3) #1 PREEMPT\n",
  "/bin/echo": ELF_HEADER,
  "/bin/busybox": ELF_HEADER,
  "/bin/sh": ELF_HEADER,
};
const PS =
  "  PID USER       VSZ STAT COMMAND\n    1 root      1544 S    init\n" +
  "  412 root      1548 S    /usr/sbin/telnetd\n  633 root      1552 S    -sh\n";
const USAGE =
  "BusyBox v1.19.4 (2014-03-12 10:14:09 CST) multi-call binary.\n" +
  "Usage: busybox [function] [arguments]...\n";
const LS = "bin   dev   etc   lib   mnt   proc  root  sbin  sys   tmp   usr   var\n";
const UNAME_A = "Linux localhost 3.10.14 #1 PREEMPT Tue Mar 3 10:15:40 CST 2015 armv7l GNU/Linux\n";

/** Applets this BusyBox has (besides the ones answered below, they succeed silently). */
const APPLETS = new Set(
  (
    "ash awk cat cd chmod cp cut echo false ftpget grep head kill ls mkdir mount mv ps rm sed " +
    "sh sleep sort tail tftp tr true uname wc wget"
  ).split(" "),
);
/** Shell builtins and applets that read their input: in a pipeline their output is not shown. */
const READS_INPUT = new Set(["sh", "ash", "cat", "grep", "head", "tail", "wc", "sed", "awk"]);

/** Output of one command: what goes to the terminal (stdout, stderr) and its exit status. */
interface Run {
  out: string;
  err: string;
  status: number;
}

/** Answers one typed line (already trimmed, non-empty). */
export function runLine(line: string, sh: ShellState): ShellAnswer {
  let output = "";
  let status = 0;
  const cmds = splitCommands(line, MAX_SHELL_COMMANDS);
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i];
    if (c === undefined) break;
    if ((c.op === "&&" && status !== 0) || (c.op === "||" && status === 0)) continue;
    const last = c.pipeline.length - 1;
    for (let p = 0; p <= last; p++) {
      const cmd = c.pipeline[p];
      if (cmd === undefined) break;
      const r = run(cmd.words, sh, last > 0);
      if (r === "exit") return { output: terminal(output), exit: true };
      const shown = p === last && !(last > 0 && READS_INPUT.has(base(cmd.words[0] ?? "")));
      if (shown && !cmd.quietOut) output += r.out;
      if (!cmd.quietErr) output += r.err;
      status = r.status;
      if (output.length > MAX_SHELL_OUTPUT) return { output: terminal(output), exit: false };
    }
  }
  return { output: terminal(output), exit: false };
}

/** A command's output on a terminal: LF becomes CRLF (the tty's onlcr), capped. */
function terminal(s: string): string {
  return s.slice(0, MAX_SHELL_OUTPUT).replace(/\r?\n/g, "\r\n");
}

function base(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function run(words: readonly string[], sh: ShellState, piped: boolean): Run | "exit" {
  const w0 = words[0];
  if (w0 === undefined) return { out: "", err: "", status: 0 }; // a bare redirection
  let name = base(w0);
  let args = words.slice(1);
  if (name === "busybox") {
    const applet = args[0];
    if (applet === undefined) return { out: USAGE, err: "", status: 0 };
    if (!APPLETS.has(applet)) return { out: "", err: `${applet}: applet not found\n`, status: 127 };
    name = applet;
    args = args.slice(1);
  }
  const prefix = sh.depth > 0 ? "sh" : "-sh";
  switch (name) {
    case "exit":
    case "logout":
      if (sh.depth === 0) return "exit";
      sh.depth--;
      return { out: "", err: "", status: 0 };
    case "sh":
    case "ash":
      // `sh` alone opens a subshell; with a script or in a pipeline it only "runs" it.
      if (args.length === 0 && !piped && sh.depth < MAX_SHELL_DEPTH) sh.depth++;
      return { out: "", err: "", status: 0 };
    case "echo":
      return { out: echo(args), err: "", status: 0 };
    case "cat":
      return cat(args);
    case "ps":
      return { out: PS, err: "", status: 0 };
    case "ls":
      return { out: LS, err: "", status: 0 };
    case "uname":
      return { out: args.includes("-a") ? UNAME_A : "Linux\n", err: "", status: 0 };
    case "false":
      return { out: "", err: "", status: 1 };
    case "wget":
    case "ftpget":
      return {
        out: "",
        err: `${name}: can't connect to remote host: Connection refused\n`,
        status: 1,
      };
    case "tftp":
      return { out: "", err: "tftp: timeout\n", status: 1 };
    case "cd":
    case "export":
    case "ulimit":
    case ":":
      return { out: "", err: "", status: 0 };
    default:
      if (APPLETS.has(name)) return { out: "", err: "", status: 0 };
      return { out: "", err: `${prefix}: ${w0}: not found\n`, status: 127 };
  }
}

function cat(args: readonly string[]): Run {
  let out = "";
  let err = "";
  for (const a of args) {
    if (a.startsWith("-")) continue;
    const f = FILES[a];
    if (f !== undefined) out += f;
    else err += `cat: can't open '${a}': No such file or directory\n`;
  }
  return { out, err, status: err === "" ? 0 : 1 };
}

/** BusyBox echo: -n, -e and -E (also combined, as `-ne`); `\c` stops the output. */
export function echo(args: readonly string[]): string {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (!/^-[neE]+$/.test(a)) break;
    for (const f of a.slice(1)) {
      if (f === "n") newline = false;
      else escapes = f === "e";
    }
  }
  let out = "";
  for (let j = i; j < args.length; j++) {
    if (j > i) out += " ";
    if (!escapes) {
      out += args[j];
      continue;
    }
    const [text, stop] = echoEscapes(args[j] as string);
    out += text;
    if (stop) return out;
  }
  return newline ? `${out}\n` : out;
}

const SIMPLE: Record<string, string> = {
  "\\": "\\",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** `echo -e` escapes: \xHH, \0NNN and \NNN octal, the C letters; true when `\c` ended it. */
function echoEscapes(s: string): [string, boolean] {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch !== "\\" || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const n = s[i + 1] as string;
    if (n === "c") return [out, true];
    const simple = SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (n === "x" && /^[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 2)) as RegExpExecArray;
      out += String.fromCharCode(Number.parseInt(m[0], 16));
      i += 1 + m[0].length;
    } else if (n >= "0" && n <= "7") {
      const from = n === "0" ? i + 2 : i + 1;
      const m = /^[0-7]{0,3}/.exec(s.slice(from)) as RegExpExecArray;
      out += String.fromCharCode(Number.parseInt(m[0] || "0", 8) & 0xff);
      i = from + m[0].length - 1;
    } else {
      out += ch;
    }
  }
  return [out, false];
}
