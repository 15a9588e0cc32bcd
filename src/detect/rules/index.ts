/** @module The rule engine's public face: parse and load Suricata rules, match them, write EVE. */

export { type EngineOptions, RuleEngine } from "./engine.js";
export { eveAlert } from "./eve.js";
export {
  loadRules,
  mergeRuleSets,
  parseRules,
  type RuleFileSummary,
  type RuleOptions,
  type RuleProblem,
  type RuleSet,
} from "./parse.js";
export type { Rule } from "./types.js";
export { HONEYPOT_VARS, SURICATA_VARS } from "./vars.js";
