/**
 * @module The JSON report as text: indented at the top, one line per row of each list, so a
 * report with 65,536 ports stays readable, greppable and about half the size of fully indented
 * JSON (and is written in half the time).
 */

/** Serialises `report` (any JSON value) with one line per element of its top-level lists. */
export function reportJson(report: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(report)) {
    if (v === undefined) continue;
    let text: string;
    if (Array.isArray(v)) {
      text =
        v.length === 0
          ? "[]"
          : `[\n${v.map((x) => `    ${JSON.stringify(x) ?? "null"}`).join(",\n")}\n  ]`;
    } else {
      text = (JSON.stringify(v, null, 2) ?? "null").replace(/\n/g, "\n  ");
    }
    parts.push(`  ${JSON.stringify(k)}: ${text}`);
  }
  return parts.length === 0 ? "{}\n" : `{\n${parts.join(",\n")}\n}\n`;
}
