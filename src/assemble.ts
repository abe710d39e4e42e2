/**
 * Assembles the pipeline from config: which stages run, in which order, and which observers
 * see every call. The order is the lifecycle in docs/architecture.md:
 *
 *   route → authorize → guardrails (arguments) → flow → approval rules → [hold → approval]
 *         → forward → flow (labels) → guardrails (results)
 *   observers, on every path: flow (late labels) → metrics → audit (awaited: durable before the answer)
 *
 * Stages are rebuilt on every config load; the long-lived pieces they use (store, flow state,
 * detectors, integrity guard) come from the Runtime and survive reloads.
 */
import type { WardenConfig } from './config/index.ts';
import { createFlowStage } from './flow/index.ts';
import { createApprovalRulesStage } from './approvals/index.ts';
import type { GatewayExtensions } from './gateway/index.ts';
import { createGuardrailStage, type GuardrailStage } from './guardrails/index.ts';
import { loadClassifiers } from './guardrails/output/load-classifiers.ts';
import { createPromptInjectionDetector } from './guardrails/output/injection.ts';
import { compilePolicy, createAuthorizeStage, type Policy } from './policy/index.ts';
import type { Catalog } from './registry/index.ts';
import type { Observer, Stage } from './pipeline/index.ts';
import type { Runtime } from './runtime.ts';
import type { Logger } from './telemetry/log.ts';

export interface Assembly {
  readonly extensions: GatewayExtensions;
  /** The compiled policy for the current catalog; undefined when no policy is configured (local mode). */
  policy(): Policy | undefined;
}

/** Policy is enforced when roles or agents are configured, or whenever authentication is required. */
export function policyEnforced(config: WardenConfig): boolean {
  return config.auth.mode === 'required' || Object.keys(config.roles).length > 0 || Object.keys(config.agents).length > 0;
}

export async function assemble(config: WardenConfig, runtime: Runtime, deps: { log: Logger; catalog?: Catalog; baseDir?: string }): Promise<Assembly> {
  const stages: Stage[] = [];
  const observers: Observer[] = [];

  // Least privilege: compiled once per config, and again (cheaply, conditions reused) per catalog.
  let policy: Policy | undefined;
  if (policyEnforced(config)) {
    const { agents, roles, virtualServers, defaultDeny } = config;
    policy = compilePolicy({ agents, roles, virtualServers, defaultDeny }, deps.catalog ?? { tools: [] });
    for (const w of policy.warnings) deps.log.warn({ warning: w }, 'policy warning');
    stages.push(createAuthorizeStage(() => policy!));
  }

  // Inspection first on the way in (after route): a call the agent may not make costs no detector
  // time once authorization sits before it; then the deterministic flow rules.
  const g = config.guardrails;
  let guardrails: GuardrailStage | undefined;
  if (g.input.length || g.output.length || g.spotlight.enabled) {
    // External classifiers (HTTP guard services, local ONNX models) are loaded once per config.
    const classifiers = await loadClassifiers(g.classifiers, { baseDir: deps.baseDir ?? process.cwd() });
    let detectors = await runtime.detectors();
    const threshold = g.promptInjection?.threshold;
    if (threshold !== undefined) {
      // A threshold of this config's own: a detector built for it (the model's weights decode in a
      // few ms, once per config), in place of the long-lived default one.
      const own = createPromptInjectionDetector({ threshold });
      detectors = detectors.map((d) => (d.name === own.name ? own : d));
    }
    guardrails = createGuardrailStage(g, { detectors, classifiers });
    stages.push(guardrails);
  }
  const flow = createFlowStage(config.flows, { store: runtime.flowStore, now: Date.now, servers: config.servers });
  // Response stages run in reverse: listing flow after guardrails makes the flow stage see the
  // result before the output guardrails redact it, and its observer commits their labels.
  stages.push(flow);
  // Holds by rule (label, tool, argument condition), on top of the holds flow and guardrails ask for.
  if (config.approvals.rules.length) stages.push(createApprovalRulesStage(config.approvals));

  const tracing = runtime.tracing;
  if (tracing) observers.push(tracing.observer);
  observers.push(flow.observer, runtime.metrics.observer);
  if (runtime.auditObserver) observers.push(runtime.auditObserver);

  return {
    policy: () => policy,
    extensions: {
      stages: tracing ? tracing.wrapStages(stages) : stages,
      observers,
      ...(tracing ? { wrapForward: tracing.wrapForward, traceparent: tracing.traceparent } : {}),
      ...(policy
        ? {
            onCatalog: (c: Catalog) => void (policy = policy!.withCatalog(c)),
            viewOf: (agent, vs) => policy!.view(agent, vs),
            visible: (agent, vs, kind, exposed, server, name) => {
              const v = policy!.view(agent, vs);
              return kind === 'tool' ? v.has(exposed) : kind === 'prompt' ? v.hasPrompt(exposed) : v.hasResource(server, name);
            },
          }
        : {}),
      labelsFor: (server, definition) => flow.labelsFor(server, definition),
      onHold: runtime.approvals.onHold,
      // Log lines, progress messages and server-to-client requests meet the call's output rules;
      // what the client answers those requests meets its input rules.
      ...(guardrails ? { inspectRelay: guardrails.inspectRelay, inspectAnswer: guardrails.inspectAnswer } : {}),
      reviewTools: (server, tools) => runtime.integrity.review(server, tools).allowed,
    },
  };
}
