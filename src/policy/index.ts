/**
 * Policy: agents, roles, grants and virtual servers compiled once at load. See policy.ts for the
 * model and for how hot reload swaps a compiled policy.
 */
export { compilePolicy, decideGate } from './policy.ts';
export type { CompilePolicyOptions } from './policy.ts';
export { policyConfigSchema, ruleSchema, roleSchema, agentSchema, virtualServerSchema } from './config.ts';
export type { PolicyConfig, PolicyConfigInput, RuleConfig, RoleConfig, VirtualServerConfig } from './config.ts';
export { compileCondition, underPath } from './conditions.ts';
export type { Condition, ConditionInput, ConditionResult } from './conditions.ts';
export { compileGlobs } from './glob.ts';
export { DEFAULT_VIRTUAL_SERVER } from './virtual.ts';
export type { AgentView, Catalog, CatalogPrompt, CatalogResource, CatalogTool, Decision, ExplainStep, Kind, Policy } from './types.ts';
export { createAuthorizeStage } from './stage.ts';
