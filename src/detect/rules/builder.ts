/** @module The state keywords write into while a rule's options are read in order. */

import type { RuleInfo } from "../../schema/detection.js";
import { BUFFERS, type BufferDef, isHttp, PAYLOAD } from "./buffers.js";
import type {
  BufferList,
  ContentItem,
  FlowbitOp,
  FlowSpec,
  HeaderTest,
  MatchItem,
  NumRef,
  StreamSizeSpec,
  ThresholdSpec,
  XbitOp,
} from "./types.js";

/** Thrown by keyword setup for a value it cannot take: the rule is reported invalid. */
export class KeywordError extends Error {}

/** Thrown for a keyword form that is understood but not implemented: reported unsupported. */
export class UnsupportedError extends Error {}

export class RuleBuilder {
  readonly info: RuleInfo = {
    sid: 0,
    gid: 1,
    rev: 0,
    msg: "",
    classtype: "",
    category: "",
    priority: 0,
    cve: [],
    references: [],
    metadata: {},
  };
  sidSeen = false;
  /** The `priority` keyword's value; otherwise the classtype's decides. */
  explicitPriority: number | undefined;
  readonly lists: BufferList[] = [];
  /** The sticky buffer subsequent contents go to (PAYLOAD when none was named). */
  sticky: BufferDef = BUFFERS[PAYLOAD] as BufferDef;
  lastContent: ContentItem | undefined;
  /** The list the last content or pcre went to, for relative keywords. */
  lastList: BufferList | undefined;
  readonly flow: FlowSpec = { dir: 3, established: 0, stream: 0 };
  flowSeen = false;
  readonly header: HeaderTest[] = [];
  readonly streamSize: StreamSizeSpec[] = [];
  readonly flowbits: FlowbitOp[] = [];
  readonly xbits: XbitOp[] = [];
  threshold: ThresholdSpec | undefined;
  noalert = false;
  /** byte_extract variable names defined so far. */
  readonly vars = new Set<string>();
  /** Whether a keyword forces packet-level matching (dsize, header keywords). */
  packetOnly = false;

  constructor(readonly proto: string) {}

  /** The list for a buffer, created at the end when first used. */
  list(b: BufferDef): BufferList {
    let l = this.lists.find((x) => x.buffer === b);
    if (l === undefined) {
      l = { buffer: b, items: [] };
      this.lists.push(l);
    }
    return l;
  }

  /** Appends an item to the sticky buffer's list (or `b`'s). */
  add(item: MatchItem, b: BufferDef = this.sticky): BufferList {
    const l = this.list(b);
    l.items.push(item);
    this.lastList = l;
    return l;
  }

  /** The content a modifier applies to; throws when there is none. */
  content(modifier: string): ContentItem {
    if (this.lastContent === undefined)
      throw new KeywordError(`${modifier} without a content before it`);
    return this.lastContent;
  }

  /** Moves the last content to buffer `b` (a Suricata 4 modifier such as http_uri). */
  moveContent(b: BufferDef, modifier: string): void {
    const c = this.content(modifier);
    const from = this.lists.find((l) => l.items.includes(c));
    if (from !== undefined && from.buffer === b) return;
    if (from !== undefined) {
      if (from.buffer.id !== PAYLOAD) {
        throw new KeywordError(`${modifier} on a content already in ${from.buffer.name}`);
      }
      from.items.splice(from.items.indexOf(c), 1);
      if (from.items.length === 0) this.lists.splice(this.lists.indexOf(from), 1);
    }
    this.add(c, b);
  }

  /** A number or a byte_extract variable defined earlier. */
  numRef(raw: string, what: string): NumRef {
    const v = raw.trim();
    if (/^-?\d+$/.test(v)) return Number(v);
    if (this.vars.has(v)) return v;
    throw new KeywordError(`${what} "${raw}" is neither a number nor a byte_extract variable`);
  }

  /** Whether any list reads an HTTP buffer. */
  usesHttp(): boolean {
    return this.lists.some((l) => isHttp(l.buffer));
  }
}
