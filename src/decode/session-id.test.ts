import { describe, expect, it } from "vitest";
import { fnv1a64, sessionId } from "./session-id.js";

describe("session ids", () => {
  it("uses FNV-1a 64 (known vectors) and separates tuples", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
    const a = sessionId("tcp", 1528945800000000, 0xc000020a, 40000, 0xcb007105, 80);
    expect(a).toBe(sessionId("tcp", 1528945800000000, 0xc000020a, 40000, 0xcb007105, 80));
    expect(a).not.toBe(sessionId("tcp", 1528945800000001, 0xc000020a, 40000, 0xcb007105, 80));
    expect(a).not.toBe(sessionId("udp", 1528945800000000, 0xc000020a, 40000, 0xcb007105, 80));
    expect(sessionId("tcp", 0, "2001:db8::1", 1, "2001:db8::2", 2)).toMatch(/^[0-9a-f]{16}$/);
  });
});
