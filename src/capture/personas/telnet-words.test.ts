import { describe, expect, it } from "vitest";
import { MAX_WORDS, splitCommands } from "./telnet-words.js";

describe("splitCommands", () => {
  it("reads lists, pipelines, quotes and redirections like ash", () => {
    const items = splitCommands(
      `cd /tmp || cd /var; echo "a;b" 'c|d' e\\ f >/dev/null 2>&1 && cat x | grep y # z`,
      32,
    );
    expect(items.map((i) => i.op)).toEqual([";", "||", ";", "&&"]);
    expect(items[2]?.pipeline[0]).toEqual({
      words: ["echo", "a;b", "c|d", "e f"],
      quietOut: true,
      quietErr: true,
    });
    expect(items[3]?.pipeline.map((c) => c.words)).toEqual([
      ["cat", "x"],
      ["grep", "y"],
    ]);
    expect(splitCommands("ls 2>/dev/null", 8)[0]?.pipeline[0]).toEqual({
      words: ["ls"],
      quietOut: false,
      quietErr: true,
    });
    expect(splitCommands("a;b;c;d", 2).flatMap((i) => i.pipeline)).toHaveLength(2);
    expect(splitCommands(`x ${"w ".repeat(100)}`, 2)[0]?.pipeline[0]?.words).toHaveLength(
      MAX_WORDS,
    );
  });
});
