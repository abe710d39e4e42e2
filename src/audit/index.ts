/**
 * The audit trail (issue 7): a hash-chained, append-only record of every decision, with signed
 * checkpoints, a verifier, retention and queries. See README.md for the durability guarantee.
 */
export { createAuditLog } from './log.ts';
export type { AuditLog, AuditLogDeps, AuditStats, CheckpointResult, PruneResult } from './log.ts';
export { createAuditObserver, awaitAudit, AUDIT_DURABLE } from './observer.ts';
export type { AuditObserver, AuditObserverOptions } from './observer.ts';
export { auditConfigSchema, defaultAuditConfig } from './config.ts';
export type { AuditConfig } from './config.ts';
export { verifyAuditChain } from './verify.ts';
export type { VerifyOptions, VerifyReport, VerifyProblem, VerifyCheck } from './verify.ts';
export { queryAudit, iterateAudit, tailAudit, sessionStory, storyLine, csvHeader, csvRow, CSV_COLUMNS } from './query.ts';
export type { AuditQuery, AuditEntry } from './query.ts';
export { canonicalJson } from './canonical.ts';
export type { AuditBody, AuditFields } from './record.ts';
export type { CheckpointLine } from './checkpoints.ts';
export { readCheckpointsFile } from './checkpoints.ts';
export { verifierFromKey, publicKeyPath } from './signer.ts';
