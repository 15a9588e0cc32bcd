/** @module Text tables of the surge evaluation, and the targets it is held to. */

import type { ReportSurge } from "../schema/surge.js";
import { medianDelay, type ScenarioResult } from "./evaluate.js";

/** Median delay from a true campaign's onset to detection, at hourly buckets (issue 4). */
export const TARGET_MEDIAN_DELAY_HOURS = 2;

function t(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")}Z`;
}

function row(cells: string[], widths: number[]): string {
  return `    ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
}

function surgeLine(s: ReportSurge): string {
  return `${s.port}/${s.proto} onset ${t(s.onset)} detected ${t(s.detectedAt)} peak ${s.peakSources} (${s.ratio}x ${s.baselineSources})`;
}

/** One scenario's section. */
export function renderScenario(r: ScenarioResult): string {
  const lines = [
    `${r.scenario} (seed ${r.seed}, scale ${r.scale}): ${r.packets.toLocaleString("en-US")} packets, ` +
      `pipeline ${r.analyseSeconds.toFixed(1)} s, surge pass ${(r.surgeSeconds * 1000).toFixed(0)} ms, ` +
      `${r.excluded.toLocaleString("en-US")} research-scanner records left out`,
  ];
  if (r.campaigns.length > 0) {
    const w = [18, 10, 18, 18, 8, 18];
    lines.push("  true campaigns");
    lines.push(row(["campaign", "port", "onset (truth)", "detectedAt", "delay", "surge onset"], w));
    for (const c of r.campaigns) {
      const s = c.surge;
      lines.push(
        row(
          [
            c.id,
            s ? `${s.port}/${s.proto}` : c.ports.join(","),
            t(c.onset),
            s ? t(s.detectedAt) : "MISSED",
            c.delayHours === null ? "-" : `${c.delayHours.toFixed(1)} h`,
            s ? t(s.onset) : "-",
          ],
          w,
        ),
      );
      if (s) lines.push(`      why: ${s.why}`);
      for (const h of c.hits.slice(1)) lines.push(`      also ${surgeLine(h)}`);
    }
  }
  for (const d of r.truth.decoys ?? []) {
    const fired = r.decoysFired.filter((f) => f.decoy === d.id);
    lines.push(
      `  decoy ${d.id} (${d.ports.join(",")}/tcp): ${fired.length === 0 ? "silent" : "FIRED"}`,
    );
    for (const f of fired) lines.push(`    ${surgeLine(f.surge)}`);
  }
  if (r.related.length > 0) {
    lines.push("  related (a true campaign's bots on its other ports)");
    for (const x of r.related) lines.push(`    ${x.campaign}: ${surgeLine(x.surge)}`);
  }
  lines.push(`  false surges: ${r.falseSurges.length === 0 ? "none" : r.falseSurges.length}`);
  for (const s of r.falseSurges) lines.push(`    ${surgeLine(s)}`);
  const missed = r.campaigns.filter((c) => c.surge === null).map((c) => c.id);
  lines.push(`  missed: ${missed.length === 0 ? "none" : missed.join(", ")}`);
  for (const h of r.heavyHitters.slice(0, 3)) {
    lines.push(
      `  heavy hitter ${h.address} -> ${h.port}/${h.proto}: ${h.packets.toLocaleString("en-US")} packets in ${h.buckets} bucket(s) from ${t(h.first)}, ${Math.round(h.share * 100)}% of the port's packets`,
    );
  }
  return lines.join("\n");
}

/** The table of all true campaigns (as in docs/surges.md) and the totals. */
export function renderSummary(results: readonly ScenarioResult[], seconds: number): string {
  const lines = [
    "",
    `summary (${seconds.toFixed(0)} s)`,
    "| scenario | seed | campaign | port | onset (truth) | detectedAt | delay | surge onset |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    for (const c of r.campaigns) {
      const s = c.surge;
      lines.push(
        `| ${r.scenario} | ${r.seed} | ${c.id} | ${s ? `${s.port}/${s.proto}` : "-"} | ${t(c.onset)} | ` +
          `${s ? t(s.detectedAt) : "missed"} | ${c.delayHours === null ? "-" : `${c.delayHours.toFixed(1)} h`} | ${s ? t(s.onset) : "-"} |`,
      );
    }
  }
  if (new Set(results.map((r) => r.seed)).size > 1) lines.push("", ...delaysPerCampaign(results));
  const decoys = results.reduce((n, r) => n + (r.truth.decoys?.length ?? 0), 0);
  const fired = new Set(
    results.flatMap((r) => r.decoysFired.map((f) => `${r.scenario}/${r.seed}/${f.decoy}`)),
  );
  const falses = results.reduce((n, r) => n + r.falseSurges.length, 0);
  lines.push("");
  lines.push(`decoys: ${decoys - fired.size} of ${decoys} silent; false surges: ${falses}`);
  lines.push("");
  lines.push(...renderComparison(results));
  return `${lines.join("\n")}\n`;
}

/** Over several seeds: each campaign's delays in seed order ("-" when missed), and their range. */
function delaysPerCampaign(results: readonly ScenarioResult[]): string[] {
  const by = new Map<string, Array<number | null>>();
  for (const r of results) {
    for (const c of r.campaigns) {
      const list = by.get(c.id) ?? [];
      list.push(c.delayHours);
      by.set(c.id, list);
    }
  }
  return [...by].map(([id, ds]) => {
    const found = ds.filter((d): d is number => d !== null);
    const range = found.length > 0 ? `${Math.min(...found)}–${Math.max(...found)} h` : "-";
    return `${id}: ${ds.map((d) => (d === null ? "-" : String(d))).join(" ")} (${range}, median ${med(found)})`;
  });
}

function med(xs: number[]): string {
  if (xs.length === 0) return "-";
  const s = [...xs].sort((a, b) => a - b);
  return `${(((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2).toFixed(1)} h`;
}

/** Portent against the reference detectors on the same series (see references.ts). */
export function renderComparison(results: readonly ScenarioResult[]): string[] {
  const all = results.flatMap((r) => r.campaigns);
  const rows: string[][] = [];
  const portentDelays = all.map((c) => c.delayHours).filter((d): d is number => d !== null);
  rows.push([
    "Portent",
    `${portentDelays.length}/${all.length}`,
    med(portentDelays),
    String(results.reduce((n, r) => n + r.decoysFired.length, 0)),
    String(results.reduce((n, r) => n + r.falseSurges.length, 0)),
  ]);
  const names = { dshield: "DShield trend, hourly", greynoise: "GreyNoise-style peak" } as const;
  for (const k of ["dshield", "greynoise"] as const) {
    const delays = results.flatMap((r) => Object.values(r.references[k].delays));
    const found = delays.filter((d): d is number => d !== null && d !== undefined);
    rows.push([
      names[k],
      `${found.length}/${all.length}`,
      med(found),
      String(results.reduce((n, r) => n + r.references[k].decoyFires, 0)),
      String(results.reduce((n, r) => n + r.references[k].falseFires, 0)),
    ]);
  }
  return [
    "| detector | campaigns found | median delay | decoy firings | other false firings |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/** Whether the targets of issue 4 are met; `hardPass` = no campaign missed and no decoy fired. */
export function targetsMet(results: readonly ScenarioResult[]): {
  pass: boolean;
  hardPass: boolean;
  reasons: string[];
} {
  const reasons: string[] = [];
  for (const r of results) {
    for (const c of r.campaigns)
      if (c.surge === null) reasons.push(`${r.scenario} seed ${r.seed}: ${c.id} missed`);
    for (const f of r.decoysFired)
      reasons.push(`${r.scenario} seed ${r.seed}: decoy ${f.decoy} fired`);
  }
  const hardPass = reasons.length === 0;
  const median = medianDelay(results);
  if (median !== null && median > TARGET_MEDIAN_DELAY_HOURS) {
    reasons.push(`median delay ${median.toFixed(1)} h > ${TARGET_MEDIAN_DELAY_HOURS} h`);
  }
  for (const satori of results.filter((r) => r.scenario === "satori-2018")) {
    const uc = satori.campaigns.find((c) => c.id === "satori-uc-httpd")?.surge;
    const dl = satori.campaigns.find((c) => c.id === "satori-dlink")?.surge;
    if (uc?.port !== 8000 || !uc.detectedAt.startsWith("2018-06-09")) {
      reasons.push(`satori-2018 seed ${satori.seed}: 8000/tcp not detected on June 9`);
    }
    if (!dl?.detectedAt.startsWith("2018-06-15")) {
      reasons.push(`satori-2018 seed ${satori.seed}: 80/8080 rise not detected on June 15`);
    }
  }
  return { pass: reasons.length === 0, hardPass, reasons };
}
