import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.js";

describe("command registry", () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "%s loads with the listed name and summary",
    async (_n, entry) => {
      const cmd = await entry.load();
      expect(cmd.name).toBe(entry.name);
      expect(cmd.summary).toBe(entry.summary);
      expect(cmd.help).toContain(`portent ${entry.name}`);
      // Readable in a 100-column terminal.
      for (const line of cmd.help.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
    },
  );
});
