/**
 * The authorize stage: "may this agent call this tool with these arguments?" — the same compiled
 * policy that decides what the agent sees. Visibility itself is checked by the route stage (a
 * hidden tool is unknown); this stage adds the argument conditions of the grant.
 */
import { WardenError } from '../errors/index.ts';
import { CONTINUE, type CallContext, type Stage, type Verdict } from '../pipeline/index.ts';
import type { Policy } from './types.ts';

export function createAuthorizeStage(policy: () => Policy): Stage {
  return {
    name: 'authorize',
    methods: new Set(['tools/call']),
    request(ctx: CallContext): Verdict {
      const exposed = ctx.target!.exposed;
      const d = policy().decideCall(ctx.agent, ctx.virtualServer, exposed, ctx.params.arguments);
      if (d.allow) return CONTINUE;
      if (d.code === 'WARDEN_ARGUMENTS_DENIED') {
        ctx.hits.push({ stage: 'authorize', rule: d.rule ?? 'policy', action: 'deny', detail: d.reason });
        return { kind: 'deny', error: new WardenError('WARDEN_ARGUMENTS_DENIED', `rule ${d.rule ?? 'policy'}`, { rule: d.rule }), ...(d.rule ? { rule: d.rule } : {}) };
      }
      // Hidden and nonexistent answer alike: the same error the route stage gives an unknown name.
      if (d.code === 'WARDEN_UNKNOWN_TOOL') return { kind: 'deny', error: new WardenError('WARDEN_UNKNOWN_TOOL', exposed) };
      return { kind: 'deny', error: new WardenError(d.code) };
    },
  };
}
