/**
 * The approval-rules stage: holds a `tools/call` for approval by itself — by tool label, tool
 * name, server, or a CEL condition on the arguments — so approvals do not depend only on flow and
 * guardrail decisions. Place it after guardrails and flow (the arguments it sees are the redacted
 * ones) and before forward.
 *
 * Within one rule every given criterion must hold (tools AND servers AND labels AND when); the
 * first matching rule holds. A `when` that fails to evaluate holds too: in doubt, ask a person.
 */
import { compileCel, type CelCondition } from '../flow/cel.ts';
import { compileGlobs, type GlobTest } from '../shared/glob.ts';
import { CONTINUE, type CallContext, type Stage, type Verdict } from '../pipeline/index.ts';
import type { ApprovalRuleConfig } from './config.ts';

interface Compiled {
  readonly id: string;
  readonly tools: GlobTest | undefined;
  readonly servers: GlobTest;
  readonly labels: readonly string[] | undefined;
  readonly when: CelCondition | undefined;
  readonly description: string | undefined;
}

const METHODS: ReadonlySet<string> = new Set(['tools/call']);
const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** The stage; `request` never waits. */
export interface ApprovalRulesStage extends Stage {
  request(ctx: CallContext): Verdict;
}

/** Compiles the rules once (CEL programs, globs). Throws TypeError naming the key path on bad CEL. */
export function createApprovalRulesStage(config: { readonly rules: readonly ApprovalRuleConfig[] }): ApprovalRulesStage {
  const rules: Compiled[] = config.rules.map((r, i) => ({
    id: r.id,
    tools: r.tools ? compileGlobs(r.tools) : undefined,
    servers: compileGlobs(r.servers),
    labels: r.labels,
    when: r.when !== undefined ? compileCel(r.when, `approvals.rules.${i}.when`) : undefined,
    description: r.description,
  }));

  /** Labels the flow stage judged the call with (server, tool and annotation labels), when it ran. */
  const flowLabels = (ctx: CallContext): readonly string[] => {
    const l = ctx.state.get('flow.callLabels');
    return Array.isArray(l) ? (l as string[]) : [];
  };

  function explain(r: Compiled, ctx: CallContext, matchedLabel: string | undefined, condFailed: boolean): string {
    const t = ctx.target!;
    const parts = [`approval rule ${r.id}: ${t.server}/${t.name}`];
    if (matchedLabel) parts.push(`is labelled ${matchedLabel}`);
    if (r.when) parts.push(condFailed ? `condition could not be evaluated (${r.when.source})` : `matches ${r.when.source}`);
    if (r.description) parts.push(`— ${r.description}`);
    return parts.join(' ');
  }

  return {
    name: 'approval-rules',
    methods: METHODS,
    request(ctx): Verdict {
      const t = ctx.target;
      if (!t || t.kind !== 'tool' || rules.length === 0) return CONTINUE;
      const raw = ctx.params.arguments;
      const args = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : EMPTY;
      for (const r of rules) {
        if (r.tools && !r.tools(t.name) && !r.tools(t.exposed)) continue;
        if (!r.servers(t.server)) continue;
        let label: string | undefined;
        if (r.labels) {
          label = r.labels.find((l) => t.labels.has(l) || flowLabels(ctx).includes(l));
          if (label === undefined) continue;
        }
        let failed = false;
        if (r.when) {
          const v = r.when({ args, result: EMPTY, server: t.server, tool: t.name });
          if (v === false) continue;
          failed = v === undefined;
        }
        // The chain records the hold in ctx.hits.
        return { kind: 'hold', rule: r.id, reason: explain(r, ctx, label, failed) };
      }
      return CONTINUE;
    },
  };
}
