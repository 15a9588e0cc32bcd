/** @module The shape of a rule keyword: a self-describing registry entry (name, doc, setup). */

import { KeywordError, type RuleBuilder } from "../builder.js";

export { KeywordError, UnsupportedError } from "../builder.js";

export interface Keyword {
  name: string;
  /** One sentence for docs/rules.md. */
  doc: string;
  /**
   * Applies the keyword to the rule being built. Throws KeywordError for a value it cannot take
   * (the rule is invalid) or UnsupportedError for a form Portent does not implement.
   */
  setup(b: RuleBuilder, value: string | undefined): void;
}

/** The value of a keyword that requires one. */
export function need(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw new KeywordError(`${name} needs a value`);
  return value;
}

/** Throws unless the keyword was written without a value. */
export function none(name: string, value: string | undefined): void {
  if (value !== undefined && value.trim() !== "") {
    throw new KeywordError(`${name} takes no value`);
  }
}
