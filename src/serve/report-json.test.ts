import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reportJson } from "./report-json.js";

describe("reportJson", () => {
  it("puts each row of a top-level list on its own line", () => {
    const text = reportJson({
      version: 1,
      input: { files: ["a.pcap"], anomalies: { truncated_record: 0 } },
      ports: [
        { proto: "tcp", port: 8000, sources: 2 },
        { proto: "tcp", port: 23, sources: 1 },
      ],
      alerts: [],
    });
    expect(text).toBe(
      `{
  "version": 1,
  "input": {
    "files": [
      "a.pcap"
    ],
    "anomalies": {
      "truncated_record": 0
    }
  },
  "ports": [
    {"proto":"tcp","port":8000,"sources":2},
    {"proto":"tcp","port":23,"sources":1}
  ],
  "alerts": []
}
`,
    );
  });

  it("parses back to the same value for any JSON object", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
        expect(JSON.parse(reportJson(o))).toEqual(JSON.parse(JSON.stringify(o)));
      }),
      { numRuns: 500 },
    );
  });
});
