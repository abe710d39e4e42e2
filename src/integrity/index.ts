/**
 * Tool integrity (issue 8): pins of tool definitions, quarantine of changed ones, the poisoning
 * scan, config drift and the permission-creep report.
 */
export { canonicalJson, pinnedPart, prettyCanonical, toolHash, type ToolLike } from './canonical.ts';
export { lineDiff } from './diff.ts';
export { integrityConfigSchema, type IntegrityConfig, type IntegrityConfigInput, type ChangePolicy } from './config.ts';
export { createPinStore, type PinRecord, type PinStatus, type PinStore } from './pins.ts';
export {
  createIntegrityGuard,
  type IntegrityGuard,
  type IntegrityGuardOptions,
  type IntegrityEvent,
  type QuarantinedTool,
  type ReviewResult,
} from './guard.ts';
export {
  createPoisoningScanner,
  worstSeverity,
  SEVERITY_RANK,
  type PoisoningScanner,
  type PoisoningOptions,
  type ServerScanContext,
  type ToolFinding,
} from './poisoning.ts';
export { detectConfigDrift, type DriftFinding } from './drift.ts';
export { highlight, formatFinding, visible } from './format.ts';
export { buildGrantsReport, formatGrantsReport, type GrantsReport, type GrantsReportInput, type AgentGrantsReport, type CallCount } from './grants-report.ts';
