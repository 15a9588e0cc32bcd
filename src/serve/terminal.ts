/** @module Renders an analysis report for a terminal: readable at 100 columns, colour only on a TTY. */

import { renderSurges } from "../analyse/surges-text.js";
import { defang as defangIoc } from "../detect/defang.js";
import type { AnalysisReport, ReportCampaign, ReportPort, ReportTelnet } from "../schema/report.js";

export interface RenderOptions {
  color: boolean;
  /** How many ports and sources to list. */
  top: number;
  /** Width of the sparkline column. */
  sparkWidth: number;
  /** Print IoCs defanged (default true): hxxp://198.51.100[.]7/. */
  defang?: boolean;
}

export const DEFAULT_RENDER: RenderOptions = { color: false, top: 15, sparkWidth: 36 };

const BARS = "▁▂▃▄▅▆▇█";

/** Resamples `v` into `width` bins (means) and draws one bar per bin, scaled to the row's maximum. */
export function sparkline(v: number[], width: number): string {
  if (v.length === 0) return "";
  const bins = Math.min(width, v.length);
  // Means, not sums: bins cover 6 or 7 hours when 240 hours go into 36 columns, and a flat
  // series must stay flat.
  const sums = new Array<number>(bins).fill(0);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < v.length; i++) {
    const b = Math.min(bins - 1, Math.floor((i * bins) / v.length));
    sums[b] = (sums[b] as number) + (v[i] as number);
    counts[b] = (counts[b] as number) + 1;
  }
  for (let b = 0; b < bins; b++) sums[b] = (sums[b] as number) / Math.max(1, counts[b] as number);
  const max = Math.max(...sums);
  if (max === 0) return " ".repeat(bins);
  return sums
    .map((s) => (s === 0 ? " " : BARS[Math.min(7, Math.floor((s / max) * 7.999))]))
    .join("");
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;
}

function duration(startIso: string, endIso: string): string {
  const s = (Date.parse(endIso) - Date.parse(startIso)) / 1000;
  if (s >= 2 * 86400) return `${(s / 86400).toFixed(1)} days`;
  if (s >= 2 * 3600) return `${(s / 3600).toFixed(1)} hours`;
  if (s >= 120) return `${(s / 60).toFixed(1)} minutes`;
  return `${s.toFixed(1)} seconds`;
}

function shortTime(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")}Z`;
}

export function renderReport(r: AnalysisReport, opt: RenderOptions = DEFAULT_RENDER): string {
  const bold = (s: string) => (opt.color ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (opt.color ? `\x1b[2m${s}\x1b[0m` : s);
  const warn = (s: string) => (opt.color ? `\x1b[33m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const inp = r.input;
  if (r.surges.length > 0) {
    const chartWidth = Math.min(72, WIDTH - 8);
    lines.push(
      renderSurges(r.surges, {
        color: opt.color,
        top: Math.min(opt.top, 10),
        chartWidth,
        chartHeight: 4,
      }).trimEnd(),
    );
    lines.push("");
  }

  lines.push(bold("INPUT"));
  const files = inp.files.length === 1 ? (inp.files[0] as string) : `${inp.files.length} files`;
  lines.push(`  ${files}: ${fmtInt(inp.packets)} packets, ${fmtInt(inp.bytes)} bytes`);
  if (inp.start !== null && inp.end !== null) {
    lines.push(
      `  ${shortTime(inp.start)} .. ${shortTime(inp.end)} (${duration(inp.start, inp.end)})`,
    );
  }
  const kinds = Object.entries(inp.anomalies);
  if (kinds.length === 0) {
    lines.push(`  anomalies: none`);
  } else {
    lines.push(warn(`  anomalies: ${kinds.map(([k, n]) => `${k} ${fmtInt(n)}`).join(", ")}`));
    for (const [k, f] of Object.entries(inp.anomalyFirst)) {
      lines.push(
        dim(`    ${k}: first in ${f.file} at byte ${f.offset}${f.detail ? ` (${f.detail})` : ""}`),
      );
    }
  }
  const st = r.streams;
  lines.push(
    `  ${fmtInt(st.sessions)} sessions (${fmtInt(st.httpSessions)} HTTP), ${fmtInt(st.probes)} probes` +
      (inp.nonIp > 0 ? `, ${fmtInt(inp.nonIp)} packets without IP` : ""),
  );
  lines.push("");

  lines.push(portTable(r, opt, bold, dim));
  lines.push("");

  if (r.alerts.length > 0) {
    lines.push(alertTable(r, opt, bold, dim));
    lines.push("");
  }
  if (r.campaigns.length > 0) {
    lines.push(campaignList(r, opt, bold, dim));
    lines.push("");
  }
  if (r.iocs.length > 0) {
    lines.push(iocTable(r, opt, bold, dim));
    lines.push("");
  }
  if (r.telnet !== undefined && r.telnet.sessions > 0) {
    lines.push(telnetSection(r.telnet, opt, bold, dim));
    lines.push("");
  }

  lines.push(bold("SCANNER FINGERPRINTS") + dim("  (TCP SYNs; a source may show several)"));
  const synSources = r.fingerprints.reduce((t, f) => t + f.sources, 0);
  if (synSources === 0) lines.push("  no TCP SYNs");
  for (const f of r.fingerprints) {
    if (f.sources === 0) continue;
    lines.push(
      `  ${f.name.padEnd(9)}${fmtInt(f.sources).padStart(10)} sources ${fmtInt(f.packets).padStart(12)} SYNs` +
        dim(`  ${fmtInt(f.exclusiveSources)} sources only ${f.name}`),
    );
  }
  lines.push("");

  lines.push(bold("TOP SOURCES") + dim("  (by packets)"));
  lines.push(
    dim(
      `  ${"ADDRESS".padEnd(40)}${"PACKETS".padStart(11)}${"PORTS".padStart(7)}${"SESSIONS".padStart(10)}  FINGERPRINTS`,
    ),
  );
  for (const s of r.topSources.slice(0, opt.top)) {
    const fps = Object.entries(s.fingerprints)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(", ");
    lines.push(
      `  ${s.address.padEnd(40)}${fmtInt(s.packets).padStart(11)}${fmtInt(s.ports).padStart(7)}${fmtInt(s.sessions).padStart(10)}  ${fps || "-"}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function portTable(
  r: AnalysisReport,
  opt: RenderOptions,
  bold: (s: string) => string,
  dim: (s: string) => string,
): string {
  const out: string[] = [];
  const hours = r.ports[0]?.hourly.length ?? 0;
  out.push(
    bold("PORTS") +
      dim(
        `  (by distinct sources; top ${Math.min(opt.top, r.ports.length)} of ${fmtInt(r.ports.length)})`,
      ),
  );
  const head =
    `  ${"PORT".padEnd(12)}${"SOURCES".padStart(9)}${"PACKETS".padStart(11)}${"PROBES".padStart(10)}` +
    `${"SESSIONS".padStart(10)}${"MIRAI".padStart(7)}  ` +
    (hours > 0 ? `PACKETS PER HOUR (${hours} h)` : "");
  out.push(dim(head));
  for (const p of r.ports.slice(0, opt.top)) out.push(portRow(p, opt));
  return out.join("\n");
}

/** Widest line of the report: the column budget every table keeps to. */
const WIDTH = 100;

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

function alertTable(
  r: AnalysisReport,
  opt: RenderOptions,
  bold: (s: string) => string,
  dim: (s: string) => string,
): string {
  const total = r.alerts.reduce((t, a) => t + a.count, 0);
  const out = [
    bold("ALERTS") + dim(`  (${fmtInt(total)} alerts from ${fmtInt(r.alerts.length)} rules)`),
    dim(
      `  ${"SID".padEnd(10)}${"ALERTS".padStart(9)}${"SOURCES".padStart(9)}  ${"CVE".padEnd(16)} MESSAGE`,
    ),
  ];
  for (const a of r.alerts.slice(0, opt.top)) {
    const head = `  ${String(a.sid).padEnd(10)}${fmtInt(a.count).padStart(9)}${fmtInt(a.sources).padStart(9)}  ${(a.cve[0] ?? "-").padEnd(16)} `;
    out.push(head + clip(a.msg, WIDTH - head.length));
  }
  return out.join("\n");
}

/**
 * Attacker bytes made safe for a terminal: control characters (escape sequences could rewrite
 * the screen or the title) and other non-printables are shown as \xNN.
 */
export function safeText(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const n = s.charCodeAt(i);
    if (!unsafe(n)) continue;
    out += s.slice(from, i);
    out +=
      n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** C0 and C1 controls, DEL, line/paragraph separators, zero-width and bidirectional controls. */
function unsafe(n: number): boolean {
  return (
    n < 0x20 ||
    (n >= 0x7f && n <= 0x9f) ||
    n === 0x2028 ||
    n === 0x2029 ||
    (n >= 0x200b && n <= 0x200f) ||
    (n >= 0x202a && n <= 0x202e) ||
    (n >= 0x2066 && n <= 0x2069)
  );
}

/** Campaigns shown in full (each takes several lines). */
const MAX_CAMPAIGNS_SHOWN = 8;

function campaignList(
  r: AnalysisReport,
  opt: RenderOptions,
  bold: (s: string) => string,
  dim: (s: string) => string,
): string {
  // What an analyst looks for first: exploits (a rule matched), then payloads carrying IoCs or a
  // family's markers; background probes of well-known services after them.
  const interest = (c: ReportCampaign) =>
    c.sids.length > 0 ? 2 : c.iocs.length > 0 || c.family !== "unknown" ? 1 : 0;
  const shown = [...r.campaigns]
    .sort((a, b) => interest(b) - interest(a) || b.sources - a.sources)
    .slice(0, Math.min(opt.top, MAX_CAMPAIGNS_SHOWN));
  const out = [
    bold("CAMPAIGNS") +
      dim(
        `  (payload templates: exploits and IoC carriers first; ${shown.length} of ${fmtInt(r.campaigns.length)})`,
      ),
  ];
  for (const c of shown) out.push(...campaignLines(c, opt, dim));
  return out.join("\n");
}

function campaignLines(
  c: ReportCampaign,
  opt: RenderOptions,
  dim: (s: string) => string,
): string[] {
  const ind = "    ";
  const ports = c.ports.length > 6 ? `${c.ports.slice(0, 6).join(",")},…` : c.ports.join(",");
  const out = [
    clip(
      `  ${c.id}  ${c.kind.padEnd(6)} ${fmtInt(c.sessions)} sessions  ${fmtInt(c.sources)} sources  ports ${ports}`,
      WIDTH,
    ),
    dim(`${ind}${shortTime(c.first)} .. ${shortTime(c.last)}`),
  ];
  const who: string[] = [];
  if (c.cve.length > 0) who.push(`${c.cve.join(", ")} (sid ${c.sids.join(", ")})`);
  else if (c.sids.length > 0) who.push(`sid ${c.sids.join(", ")}`);
  if (c.family !== "unknown") who.push(`family ${c.family} (${c.familyConfidence.toFixed(2)})`);
  // Sessions' SYNs come from the bots' own TCP stacks; the mix says something only when a
  // scanner fingerprint shows up in it.
  const fps = Object.entries(c.fingerprints).filter(([, v]) => v > 0);
  if (fps.some(([k]) => k !== "unknown")) {
    who.push(`SYNs: ${fps.map(([k, v]) => `${k} ${pct(v)}`).join(", ")}`);
  }
  if (who.length > 0) out.push(clip(`${ind}${who.join(" · ")}`, WIDTH));
  const sample = opt.defang === false ? c.sample : defangIoc(c.sample);
  out.push(clip(`${ind}sample: ${safeText(sample)}`, WIDTH));
  if (c.iocs.length > 0) {
    const iocs = c.iocs.map((v) => safeText(opt.defang === false ? v : defangIoc(v)));
    out.push(clip(`${ind}iocs: ${iocs.join("  ")}`, WIDTH));
  }
  if (c.draftRule !== undefined) {
    out.push(`${ind}no rule matched; draft rule:`);
    for (const l of wrap(safeText(c.draftRule), WIDTH - ind.length - 2))
      out.push(dim(`${ind}  ${l}`));
  }
  return out;
}

/** Splits `s` into lines of at most `n` characters, at "; " where it can. */
function wrap(s: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > n) {
    let cut = rest.lastIndexOf("; ", n - 1);
    cut = cut > n / 3 ? cut + 2 : n;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

function iocTable(
  r: AnalysisReport,
  opt: RenderOptions,
  bold: (s: string) => string,
  dim: (s: string) => string,
): string {
  const out = [
    bold("IOCS") +
      dim(
        `  (top ${Math.min(opt.top, r.iocs.length)} of ${fmtInt(r.iocs.length)}${opt.defang === false ? "" : ", defanged"})`,
      ),
    dim(`  ${"TYPE".padEnd(11)}${"SESSIONS".padStart(9)}  VALUE`),
  ];
  for (const i of r.iocs.slice(0, opt.top)) {
    const v = safeText(opt.defang === false ? i.value : defangIoc(i.value, i.type));
    out.push(clip(`  ${i.type.padEnd(11)}${fmtInt(i.count).padStart(9)}  ${v}`, WIDTH));
  }
  return out.join("\n");
}

/** Rows of each telnet list shown. */
const MAX_TELNET_SHOWN = 10;

/** Credentials and commands typed over telnet: attacker bytes, escaped; URLs in commands defanged. */
function telnetSection(
  t: ReportTelnet,
  opt: RenderOptions,
  bold: (s: string) => string,
  dim: (s: string) => string,
): string {
  const n = Math.min(opt.top, MAX_TELNET_SHOWN);
  const out = [
    bold("TELNET") +
      dim(
        `  (${fmtInt(t.sessions)} sessions; top credentials and commands${opt.defang === false ? "" : ", defanged"})`,
      ),
  ];
  if (t.credentials.length > 0) {
    out.push(dim(`  ${"SOURCES".padStart(8)}${"TRIES".padStart(9)}  USER:PASSWORD`));
    for (const c of t.credentials.slice(0, n)) {
      const pair = `${safeText(c.user)}:${safeText(c.password)}`;
      out.push(
        clip(`  ${fmtInt(c.sources).padStart(8)}${fmtInt(c.count).padStart(9)}  ${pair}`, WIDTH),
      );
    }
  }
  if (t.commands.length > 0) {
    out.push(dim(`  ${"SOURCES".padStart(8)}${"TIMES".padStart(9)}  COMMAND`));
    for (const c of t.commands.slice(0, n)) {
      const v = safeText(opt.defang === false ? c.command : defangIoc(c.command, "command"));
      out.push(
        clip(`  ${fmtInt(c.sources).padStart(8)}${fmtInt(c.count).padStart(9)}  ${v}`, WIDTH),
      );
    }
  }
  return out.join("\n");
}

function portRow(p: ReportPort, opt: RenderOptions): string {
  const syns = Object.values(p.fingerprints).reduce((t, n) => t + n, 0);
  const mirai = syns > 0 ? pct((p.fingerprints.mirai ?? 0) / syns) : "-";
  return (
    `  ${`${p.port}/${p.proto}`.padEnd(12)}${fmtInt(p.sources).padStart(9)}${fmtInt(p.packets).padStart(11)}` +
    `${fmtInt(p.probes).padStart(10)}${fmtInt(p.sessions).padStart(10)}${mirai.padStart(7)}  ` +
    sparkline(p.hourly, opt.sparkWidth)
  );
}
