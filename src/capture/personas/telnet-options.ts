/**
 * @module The telnet persona's option negotiation: what BusyBox telnetd offers on connect, and
 * answers to the client's own requests. Each (command, option) is answered at most once and an
 * acknowledgement is never answered, so two peers can never loop.
 */

import { DO, DONT, IAC, OPT_ECHO, OPT_NAWS, OPT_SGA, WILL, WONT } from "../../decode/telnet.js";

/** Answers sent per session at most (each is three bytes). */
export const MAX_OPTION_ANSWERS = 64;

/** BusyBox telnetd's opening: DO ECHO, DO NAWS, WILL ECHO, WILL SGA (networking/telnetd.c). */
export const TELNETD_GREETING = Uint8Array.of(
  IAC,
  DO,
  OPT_ECHO,
  IAC,
  DO,
  OPT_NAWS,
  IAC,
  WILL,
  OPT_ECHO,
  IAC,
  WILL,
  OPT_SGA,
);

/** Options the server side performs (it echoes and suppresses go-ahead). */
const OURS = new Set([OPT_ECHO, OPT_SGA]);
/** Options the server asks the client for (DO) at the greeting. */
const ASKED = new Set([OPT_ECHO, OPT_NAWS]);

/** One connection's option state. */
export class Negotiation {
  /** Options we perform now (WILL accepted or offered). */
  private readonly ours = new Set(OURS);
  /** Options the client performs now, by its WILL. */
  private readonly theirs = new Set<number>();
  /** (command, option) pairs already answered: the loop guard. */
  private readonly answered = new Set<number>();
  private answers = 0;

  /** True while we echo what the client types (until it says DONT ECHO). */
  get echo(): boolean {
    return this.ours.has(OPT_ECHO);
  }

  /** The answer to the client's IAC `verb` `option`, or undefined when none is due. */
  answer(verb: number, option: number): Uint8Array | undefined {
    switch (verb) {
      case DO:
        if (this.ours.has(option)) return undefined;
        if (OURS.has(option)) {
          this.ours.add(option);
          return this.reply(WILL, option);
        }
        return this.reply(WONT, option);
      case DONT:
        if (!this.ours.has(option)) return undefined;
        this.ours.delete(option);
        return this.reply(WONT, option);
      case WILL:
        if (this.theirs.has(option)) return undefined;
        // WILL answering our DO (echo, window size) is an acknowledgement; others are refused.
        if (!ASKED.has(option)) return this.reply(DONT, option);
        this.theirs.add(option);
        return undefined;
      case WONT:
        if (!this.theirs.has(option)) return undefined;
        this.theirs.delete(option);
        return this.reply(DONT, option);
      default:
        return undefined;
    }
  }

  private reply(verb: number, option: number): Uint8Array | undefined {
    const key = verb * 256 + option;
    if (this.answered.has(key) || this.answers >= MAX_OPTION_ANSWERS) return undefined;
    this.answered.add(key);
    this.answers++;
    return Uint8Array.of(IAC, verb, option);
  }
}
