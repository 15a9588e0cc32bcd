/**
 * @module A small text chart of a series for the terminal: a few rows of block characters,
 * resampled to the width by the maximum of each column (a surge is a peak; it must not be
 * averaged away), the top row labelled with the maximum, and marks (onset, detection) under it.
 */

const EIGHTHS = " ▁▂▃▄▅▆▇█";

export interface ChartOptions {
  /** Columns of the plot (the axis labels add a few more). */
  width: number;
  /** Rows of the plot. */
  height: number;
  /** Indices into `values` to mark under the plot with their letter (e.g. o = onset, d = detected). */
  marks?: Array<{ index: number; char: string }>;
  /** A horizontal reference level (e.g. the baseline), drawn as "·" where bars stay below it. */
  reference?: number;
}

/** Maximum of each of `width` columns over `values` (fewer columns when values are fewer). */
export function resampleMax(values: readonly number[], width: number): number[] {
  const cols = Math.max(1, Math.min(width, values.length));
  const out = new Array<number>(cols).fill(0);
  for (let i = 0; i < values.length; i++) {
    const c = Math.min(cols - 1, Math.floor((i * cols) / values.length));
    if ((values[i] as number) > (out[c] as number)) out[c] = values[i] as number;
  }
  return out;
}

/** Renders the chart as lines (no trailing newline); the top row carries the maximum. */
export function textChart(values: readonly number[], opt: ChartOptions): string[] {
  if (values.length === 0) return [];
  const cols = resampleMax(values, opt.width);
  const max = Math.max(1, ...cols);
  const h = Math.max(1, opt.height);
  const label = String(Math.round(max));
  const pad = label.length;
  const lines: string[] = [];
  const ref = opt.reference === undefined ? -1 : Math.round((opt.reference / max) * h * 8);
  for (let row = h - 1; row >= 0; row--) {
    let line = "";
    for (const v of cols) {
      const eighths = Math.round((v / max) * h * 8) - row * 8;
      if (eighths > 0) line += EIGHTHS[Math.min(8, eighths)];
      else if (ref >= 0 && Math.floor(ref / 8) === row && ref > 0) line += "·";
      else line += " ";
    }
    const axis = row === h - 1 ? label.padStart(pad) : " ".repeat(pad);
    lines.push(`${axis} ┤${line}`);
  }
  if (opt.marks && opt.marks.length > 0) {
    const under = new Array<string>(cols.length).fill(" ");
    for (const m of opt.marks) {
      const c = Math.min(cols.length - 1, Math.floor((m.index * cols.length) / values.length));
      // A mark that lands on a taken column moves right, so close marks stay readable.
      let k = Math.max(0, c);
      while (k < under.length - 1 && under[k] !== " ") k++;
      under[k] = m.char;
    }
    lines.push(`${" ".repeat(pad)}  ${under.join("").trimEnd()}`);
  }
  return lines;
}
