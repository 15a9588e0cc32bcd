/**
 * @module Splits a line typed at the telnet persona's shell into commands the way ash would read
 * them: words with quotes removed, `;` `&&` `||` `&` lists, `|` pipelines and `>` redirections.
 * Only the structure is read; nothing is expanded or executed.
 */

/** Words kept per command. */
export const MAX_WORDS = 64;

/** One simple command: its words, and whether its stdout or stderr went to a file. */
export interface SimpleCommand {
  words: string[];
  quietOut: boolean;
  quietErr: boolean;
}

/** A pipeline and the operator that joined it to the one before (";" for the first). */
export interface ListItem {
  op: ";" | "&&" | "||";
  pipeline: SimpleCommand[];
}

const SPACE = new Set([" ", "\t", "\n", "\r", "\v", "\f"]);

/** Splits `line` into at most `max` list items (a pipeline counts once per command in it). */
export function splitCommands(line: string, max: number): ListItem[] {
  const items: ListItem[] = [];
  let count = 0;
  let item: ListItem = { op: ";", pipeline: [] };
  let cmd: SimpleCommand = { words: [], quietOut: false, quietErr: false };
  let word = "";
  let inWord = false;
  /** A redirection waiting for its target word: the fd it redirects (1, 2, or 3 for both). */
  let redirect = 0;
  let digitsOnly = true;

  const endWord = (): void => {
    if (!inWord) return;
    if (redirect !== 0) {
      if (word !== "/dev/tty") {
        if (redirect & 1) cmd.quietOut = true;
        if (redirect & 2) cmd.quietErr = true;
      }
      redirect = 0;
    } else if (cmd.words.length < MAX_WORDS) {
      cmd.words.push(word);
    }
    word = "";
    inWord = false;
    digitsOnly = true;
  };
  const endCommand = (): void => {
    endWord();
    redirect = 0;
    if (cmd.words.length > 0 || cmd.quietOut || cmd.quietErr) {
      if (count < max) item.pipeline.push(cmd);
      count++;
    }
    cmd = { words: [], quietOut: false, quietErr: false };
  };
  const endItem = (next: ListItem["op"]): void => {
    endCommand();
    if (item.pipeline.length > 0) items.push(item);
    item = { op: next, pipeline: [] };
  };

  for (let i = 0; i < line.length && count < max; i++) {
    const ch = line[i] as string;
    const next = line[i + 1];
    if (SPACE.has(ch)) {
      endWord();
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      const stop = end < 0 ? line.length : end;
      word += line.slice(i + 1, stop);
      inWord = true;
      digitsOnly = false;
      i = stop;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const c = line[j] as string;
        if (c === "\\" && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) j++;
        word += line[j];
      }
      inWord = true;
      digitsOnly = false;
      i = j;
    } else if (ch === "\\") {
      if (next !== undefined) word += next;
      inWord = true;
      digitsOnly = false;
      i++;
    } else if (ch === "#" && !inWord) {
      break;
    } else if (ch === ";" || ch === "\n") {
      endItem(";");
    } else if (ch === "&" && next === "&") {
      endItem("&&");
      i++;
    } else if (ch === "|" && next === "|") {
      endItem("||");
      i++;
    } else if (ch === "&" && next === ">") {
      endWord();
      redirect = 3;
      i += line[i + 2] === ">" ? 2 : 1;
    } else if (ch === "&") {
      endItem(";");
    } else if (ch === "|") {
      endCommand();
    } else if (ch === ">" || ch === "<") {
      let fd = ch === "<" ? 0 : 1;
      if (inWord && digitsOnly && word !== "") {
        fd = Number(word) === 2 ? 2 : Number(word) === 1 ? 1 : 0;
        word = "";
        inWord = false;
      } else {
        endWord();
      }
      if (next === ">") i++;
      if (line[i + 1] === "&") {
        // N>&M duplicates a descriptor: its quietness follows the target's.
        const m = line[i + 2];
        if (fd === 2 && m === "1") cmd.quietErr = cmd.quietOut;
        if (fd === 1 && m === "2") cmd.quietOut = cmd.quietErr;
        i += m !== undefined && m >= "0" && m <= "9" ? 2 : 1;
        continue;
      }
      redirect = fd === 0 ? 4 : fd;
    } else {
      word += ch;
      inWord = true;
      if (ch < "0" || ch > "9") digitsOnly = false;
    }
  }
  endItem(";");
  return items;
}
