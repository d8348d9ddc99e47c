export { type ExtractOptions, extractIndicators } from "./extract.ts";
export { type LevelRule, LevelRuleSchema, LevelRulesSchema, levelFor } from "./level.ts";
export {
  classifyIndicator,
  hashTypeOf,
  INDICATOR_TYPES,
  type IndicatorType,
  indicatorType,
  isIndicatorType,
  normalizeIndicator,
  refang,
} from "./normalize.ts";
export { priorityForLevel, type ThreatPayloadOptions, toThreatPayload, truncate } from "./payload.ts";
