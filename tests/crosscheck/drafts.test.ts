/**
 * Draft rules (src/detect/draft-rule.ts) are checked by the drafter on a few sampled sessions with
 * its own model of Suricata's buffers. Here each draft of a simulated capture runs in the real
 * rule engine over every session: it must catch its own campaign and leave the others alone.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeFiles } from "../../src/aggregate/analyze-files.js";
import { parseRules, RuleEngine } from "../../src/detect/rules/index.js";
import { Detection } from "../../src/detect/setup.js";
import { templateOf } from "../../src/detect/template.js";
import type { ReportCampaign } from "../../src/schema/report.js";
import type { Session } from "../../src/schema/session.js";
import { simulate } from "../../src/simulate/scenarios.js";

describe("draft rules in the real engine (satori-2018, scale 0.1)", () => {
  const sessions: Array<{ s: Session; template: string }> = [];
  let campaigns: ReportCampaign[] = [];

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), "portent-drafts-")), "satori.pcap");
    simulate("satori-2018", { seed: 3, scale: 0.1, out: file });
    const detection = new Detection({ rules: [], defaultRules: true, families: [], surges: false });
    const { report } = await analyzeFiles([file], {
      detection,
      onSession: (s) => sessions.push({ s, template: templateOf(s).id }),
    });
    campaigns = report.campaigns;
  });

  it("drafts rules for campaigns no pack rule matched", () => {
    expect(campaigns.filter((c) => c.draftRule !== undefined).length).toBeGreaterThan(3);
  });

  it("each draft loads, matches at least 95% of its campaign's sessions and under 1% of the others", () => {
    for (const c of campaigns) {
      if (c.draftRule === undefined) continue;
      const set = parseRules(c.draftRule, `draft ${c.id}`);
      expect(set.problems, c.draftRule).toEqual([]);
      const engine = new RuleEngine(set);
      let own = 0;
      let ownHit = 0;
      let other = 0;
      let otherHit = 0;
      for (const { s, template } of sessions) {
        const hit = engine.session(s).length > 0;
        if (template === c.template) {
          own++;
          if (hit) ownHit++;
        } else {
          other++;
          if (hit) otherHit++;
        }
      }
      expect(own, c.id).toBe(c.sessions);
      expect(ownHit / own, `${c.id} own: ${c.draftRule}`).toBeGreaterThanOrEqual(0.95);
      expect(otherHit / Math.max(1, other), `${c.id} others: ${c.draftRule}`).toBeLessThan(0.01);
    }
  });
});
