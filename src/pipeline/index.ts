export { createPipeline } from './chain.ts';
export type { Pipeline, PipelineOptions } from './chain.ts';
export { CONTINUE } from './types.ts';
export type {
  AgentIdentity, CallContext, CallTarget, Forward, HoldHandler, MaybePromise, Observer, Outcome, RelayVerdict, RuleHit, SessionRef, Stage, Verdict,
} from './types.ts';
