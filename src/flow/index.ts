/**
 * Flow control (issue 5): labels, per-session state, trifecta / sequence / destination rules and
 * the data-flow check, as one pipeline stage. See stage.ts for the wiring contract.
 */
export { flowsConfigSchema, parseFlowsConfig, BUILTIN_LABELS } from './config.ts';
export type { FlowsConfig, FlowsConfigInput, FlowRuleConfig, DestinationRuleConfig, DynamicLabelConfig, DataflowConfig } from './config.ts';
export { createFlowStage, FLOW_STATE_KEYS } from './stage.ts';
export type { FlowStage, FlowStageDeps } from './stage.ts';
export { createLabeler, createDynamicLabeler, annotationLabels } from './labels.ts';
export type { Labeler, LabelServerConfig, ToolDefinitionLike } from './labels.ts';
export { createMemoryFlowStore } from './state.ts';
export type { FlowStateStore, FlowSessionState, FlowCommit, CallRecord, LabelOrigin, MemoryStoreOptions } from './state.ts';
export { createRuleEngine } from './rules.ts';
export type { Decision, Firing, Armer, CallView, RuleEngine } from './rules.ts';
export { createFingerprinter } from './fingerprint.ts';
export { flowSessionKey, conversationId, CONVERSATION_HEADER, CONVERSATION_META_KEY } from './session-key.ts';
export { replaySession, createFlowRuntime } from './replay.ts';
export type { ReplayCall, ReplayStep } from './replay.ts';
