/**
 * @module Shell command lines in payloads: split into commands, and read the way a dropper
 * uses them: `wget`/`curl`/`tftp`/`ftpget` (through `busybox` or not) name a URL, a downloader
 * host and the file written; `chmod`, `./X` and `sh X` name the file run.
 */

import { isDomain, isIpv4 } from "./host-text.js";
import { authorityHost, type IocSink, scanUrls } from "./ioc-scan.js";

/** Commands kept per text, segments per line, words per segment, chars per command IoC. */
export const MAX_COMMANDS_PER_TEXT = 16;
export const MAX_SEGMENTS = 64;
export const MAX_WORDS = 64;
export const MAX_COMMAND = 512;

/** Words that start a shell command in droppers and bot sessions (the first word, path removed). */
const COMMAND_WORDS = new Set(
  (
    "wget curl tftp ftpget busybox sh bash ash dash chmod chown cd rm mkdir cp mv cat echo nc " +
    "ncat netcat telnet ping kill killall pkill reboot nohup ps uname tar gzip base64 python " +
    "python3 perl php iptables crontab ulimit sleep export dd head tail grep ls enable system " +
    "shell linuxshell ftp mount sed awk printf source exec"
  ).split(" "),
);
/** Words before the command proper. */
const PREFIXES = new Set(["nohup", "sudo", "exec", "busybox", "command", "env", "then", "do"]);
const WRITABLE_DIRS = [
  "/tmp/",
  "/var/",
  "/dev/shm/",
  "/data/local/tmp/",
  "/mnt/",
  "/root/",
  "/home/",
];

function basename(w: string): string {
  const slash = w.lastIndexOf("/");
  return slash < 0 ? w : w.slice(slash + 1);
}

/** Splits a line at `;`, `|`, `&&`, `&`+space, backquotes, `$(` and `)`. */
export function shellSegments(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  const n = line.length;
  for (let i = 0; i <= n && out.length < MAX_SEGMENTS; i++) {
    const c = i < n ? line.charCodeAt(i) : 0x3b;
    let skip = -1;
    if (c === 0x3b || c === 0x7c || c === 0x60 || c === 0x29) skip = 1;
    else if (c === 0x24 && line.charCodeAt(i + 1) === 0x28) skip = 2;
    else if (c === 0x26) {
      const d = line.charCodeAt(i + 1);
      if (d === 0x26) skip = 2;
      else if (i + 1 >= n || d === 0x20) skip = 1;
    }
    if (skip < 0) continue;
    const seg = line.slice(start, i).trim();
    if (seg !== "") out.push(seg);
    start = i + skip;
    i = start - 1;
  }
  return out;
}

/** Strips quotes and brackets around a word (`'/tmp/r'$` gives `/tmp/r`). */
function unquote(w: string): string {
  let a = 0;
  let e = w.length;
  while (a < e && "'\"({".includes(w[a] as string)) a++;
  while (e > a && "'\"$)}".includes(w[e - 1] as string)) e--;
  return w.slice(a, e);
}

/** Words of a segment, quotes stripped, `>`/`>>` split out as their own word. */
export function shellWords(seg: string): string[] {
  const out: string[] = [];
  for (const raw of seg.split(/[ \t]+/, MAX_WORDS)) {
    let w = raw;
    let gt = w.indexOf(">");
    while (gt >= 0 && out.length < MAX_WORDS) {
      const left = unquote(w.slice(0, gt));
      // "2>" and "&>" redirect a stream, not an argument.
      if (left !== "" && left !== "2" && left !== "1" && left !== "&") out.push(left);
      out.push(">");
      w = w.slice(w.charCodeAt(gt + 1) === 0x3e ? gt + 2 : gt + 1);
      gt = w.indexOf(">");
    }
    const u = unquote(w);
    if (u !== "") out.push(u);
  }
  return out;
}

/** True when a word starts a command: a known command, `./X`, or a file run from a writable dir. */
export function isCommandStart(w: string): boolean {
  if (w.startsWith("./") && w.length > 2) return true;
  if (COMMAND_WORDS.has(basename(w))) return true;
  return w.startsWith("/") && WRITABLE_DIRS.some((d) => w.startsWith(d));
}

/** A file name as dropped or run, or "" when the word is not one ("-", "/dev/null", globs). */
function fileName(w: string): string {
  let f = w.startsWith("./") ? w.slice(2) : w;
  if (f.startsWith("-") || f.length > 128 || f === "" || f === "." || f === "..") return "";
  if (f.startsWith("/dev/") || f.includes("://")) return "";
  for (let i = 0; i < f.length; i++) {
    const c = f.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2e ||
      c === 0x5f ||
      c === 0x2d ||
      c === 0x2f ||
      c === 0x7e ||
      c === 0x2b;
    if (!ok) return "";
  }
  if (f.endsWith("/")) return "";
  f = f.replace(/\/{2,}/g, "/");
  return f;
}

/**
 * Reads the command lines in `text`: each line's command segments are joined into one `command`
 * IoC when they look like an injected command (`always`: every line is one, as typed at a telnet
 * shell), and each segment is read for URLs, downloader hosts and file names. Returns how many
 * command lines were found. At `depth` > 0 (the text of an `sh -c`) the enclosing command is
 * already recorded, so only its facts are read.
 */
export function scanCommands(text: string, sink: IocSink, always: boolean, depth = 0): number {
  let found = 0;
  let start = 0;
  const n = text.length;
  for (let lines = 0; start < n && lines < 64 && found < MAX_COMMANDS_PER_TEXT; lines++) {
    let e = start;
    while (e < n) {
      const c = text.charCodeAt(e);
      if (c === 0x0a || c === 0x0d || c === 0) break;
      e++;
    }
    const line = text.slice(start, e);
    start = e + 1;
    const kept: string[] = [];
    let fetch = false;
    for (const seg of shellSegments(line)) {
      const words = shellWords(seg);
      if (words.length === 0 || !isCommandStart(words[0] as string)) continue;
      kept.push(words.join(" "));
      if (readCommand(words, sink, depth)) fetch = true;
    }
    if (kept.length === 0) continue;
    if (always || fetch || kept.length >= 2) {
      if (depth === 0) sink.add("command", kept.join("; ").slice(0, MAX_COMMAND));
      found++;
    }
  }
  return found;
}

/** Reads one command's words; true when it fetches something. */
function readCommand(words: string[], sink: IocSink, depth: number): boolean {
  let i = 0;
  while (i < words.length - 1 && PREFIXES.has(basename(words[i] as string))) i++;
  const first = words[i] as string;
  const verb = basename(first);
  const args: string[] = [];
  let redirect = "";
  for (let k = i + 1; k < words.length; k++) {
    if (words[k] === ">") {
      redirect = words[k + 1] ?? "";
      k++;
    } else args.push(words[k] as string);
  }
  if (first.startsWith("./") || (first.startsWith("/") && !COMMAND_WORDS.has(verb))) {
    sink.add("filename", fileName(first));
    return false;
  }
  switch (verb) {
    case "wget":
      if (args.includes("-g")) return readTftp(args, sink, redirect);
      return readWget(args, sink, redirect, "-O");
    case "curl":
      return readWget(args, sink, redirect, "-o");
    case "tftp":
      return readTftp(args, sink, redirect);
    case "ftpget":
      return readFtpget(args, sink);
    case "chmod":
      for (const a of args.slice(1)) sink.add("filename", fileName(a));
      return false;
    case "sh":
    case "bash":
    case "ash":
    case "dash":
      if (args[0] === "-c") {
        if (depth < 1) scanCommands(args.slice(1).join(" "), sink, true, depth + 1);
      } else if (args[0] !== undefined) sink.add("filename", fileName(args[0]));
      return false;
    case "cat":
    case "echo":
      if (redirect !== "") sink.add("filename", fileName(redirect));
      return false;
    default:
      return false;
  }
}

/** Options of wget and curl that take a value (the value is not a URL). */
const VALUE_OPTS = new Set(
  "-O -o -P -U -T -t -A -H -X -d -u -x -e -b -c -m -F --user-agent --header --data --output --output-document --connect-timeout --max-time --retry --tries --timeout".split(
    " ",
  ),
);

/** A URL from a fetch argument: as written, or `http://` added to a bare `host[:port]/path`. */
function fetchUrl(arg: string, scheme: string): { url: string; host: string } | undefined {
  const sep = arg.indexOf("://");
  if (sep > 0) {
    const rest = arg.slice(sep + 3);
    const slash = rest.search(/[/?#]/);
    const host = authorityHost(slash < 0 ? rest : rest.slice(0, slash));
    return host === "" ? undefined : { url: arg, host };
  }
  const slash = arg.indexOf("/");
  const auth = slash < 0 ? arg : arg.slice(0, slash);
  const host = authorityHost(auth);
  if (host === "" || (!isIpv4(host) && !isDomain(host, true) && slash < 0)) return undefined;
  return { url: `${scheme}://${arg}`, host };
}

function readWget(args: string[], sink: IocSink, redirect: string, outOpt: string): boolean {
  let out = "";
  let remoteName = false;
  const urls: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (a === outOpt || a === "--output-document" || a === "--output") out = args[++k] ?? "";
    else if (a.startsWith(outOpt) && a.length > 2) out = a.slice(2);
    else if (a.startsWith("--output-document=")) out = a.slice(18);
    else if (a === "-O" && outOpt === "-o") remoteName = true;
    else if (VALUE_OPTS.has(a)) k++;
    else if (!a.startsWith("-")) {
      const u = fetchUrl(a, "http");
      if (u === undefined) continue;
      scanUrls(u.url, sink, true);
      urls.push(u.url);
    }
  }
  if (urls.length === 0) return false;
  if (out === "-") out = redirect;
  if (out === "" && (outOpt === "-O" || remoteName)) out = basename(urlPath(urls[0] as string));
  sink.add("filename", fileName(out === "" ? redirect : out));
  return true;
}

function urlPath(url: string): string {
  const sep = url.indexOf("://");
  const slash = url.indexOf("/", sep + 3);
  if (slash < 0) return "";
  const q = url.search(/[?#]/);
  return q > slash ? url.slice(slash, q) : url.slice(slash);
}

/** `tftp [-g] -r REMOTE [-l LOCAL] HOST [PORT]`, and `tftp HOST -c get REMOTE [LOCAL]`. */
function readTftp(args: string[], sink: IocSink, redirect: string): boolean {
  let remote = "";
  let local = "";
  const pos: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (a === "-r") remote = args[++k] ?? "";
    else if (a === "-l") local = args[++k] ?? "";
    else if (a === "-b") k++;
    else if (a === "-c" && (args[k + 1] === "get" || args[k + 1] === "GET")) {
      remote = args[k + 2] ?? "";
      local = args[k + 3] ?? "";
      k += 3;
    } else if (a === "-g" && args[k + 1] !== undefined && !args[k + 1]?.startsWith("-")) {
      // Mirai-family payloads write `wget -g HOST -l LOCAL -r REMOTE`: -g takes the host there.
      if (authorityHost(args[k + 1] as string) !== "") pos.push(args[++k] as string);
    } else if (!a.startsWith("-")) pos.push(a);
  }
  const host = pos[0] === undefined ? "" : authorityHost(pos[0]);
  if (host === "" || remote === "") return false;
  const port = pos[1] !== undefined && /^\d{1,5}$/.test(pos[1]) ? `:${pos[1]}` : "";
  const path = remote.startsWith("/") ? remote : `/${remote}`;
  const auth = host.includes(":") ? `[${host}]` : host;
  sink.add("url", `tftp://${auth}${port}${path}`);
  sink.host(host, true);
  sink.add(
    "filename",
    fileName(local !== "" ? local : redirect !== "" ? redirect : basename(remote)),
  );
  return true;
}

/** `ftpget [-u USER] [-p PASS] [-P PORT] HOST LOCAL [REMOTE]`. */
function readFtpget(args: string[], sink: IocSink): boolean {
  const pos: string[] = [];
  let port = "";
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (a === "-u" || a === "-p") k++;
    else if (a === "-P") port = args[++k] ?? "";
    else if (!a.startsWith("-")) pos.push(a);
  }
  const host = pos[0] === undefined ? "" : authorityHost(pos[0]);
  const local = pos[1] ?? "";
  if (host === "" || local === "") return false;
  const remote = pos[2] ?? basename(local);
  const p = /^\d{1,5}$/.test(port) && port !== "21" ? `:${port}` : "";
  sink.add("url", `ftp://${host}${p}${remote.startsWith("/") ? "" : "/"}${remote}`);
  sink.host(host, true);
  sink.add("filename", fileName(local));
  return true;
}
