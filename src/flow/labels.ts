/**
 * Tool labels: static ones computed once at load from config and MCP annotations, and dynamic
 * ones computed from a call's result by CEL conditions compiled once at load.
 *
 * Static labels of a tool = admin labels (server-level `labels` ∪ `tools.<name>.labels`)
 *   ∪ annotation labels (per `flows.annotations`; never for servers with `trusted: false`)
 *   — or, when both are empty, the conservative `flows.unlabelled` default.
 *
 * Annotation mapping (hints read with the MCP spec's defaults: readOnly false, destructive true,
 * openWorld true):
 *   not read-only + open world → external_sink
 *   not read-only + destructive → destructive
 *   read-only + open world      → untrusted_content
 * A read-only closed-world tool gets no label from annotations: its server says it only reads
 * data it controls. A tool whose annotations carry none of the three hints has no usable
 * annotations and falls to the unlabelled default.
 *
 * Unlabelled default: `[untrusted_content, external_sink]`. We know nothing about who wrote what
 * such a tool returns (so it may carry an injection) nor where its arguments go (so it may send
 * data out). We do not assume `private_data`: marking everything private would make the trifecta
 * fire on any two unlabelled calls, and private data is what an admin is expected to label.
 */
import { compileCel, type CelCondition } from './cel.ts';
import type { DynamicLabelConfig, FlowsConfig } from './config.ts';
import { compileGlobs, type GlobTest } from '../shared/glob.ts';

/** The label-relevant part of an upstream's config (see `upstreamBase` in src/config/schema.ts). */
export interface LabelServerConfig {
  readonly trusted?: boolean;
  readonly labels?: readonly string[];
  readonly tools?: Readonly<Record<string, { readonly labels?: readonly string[] }>>;
}

/** The parts of an MCP Tool definition labels are computed from. */
export interface ToolDefinitionLike {
  readonly name: string;
  readonly annotations?: {
    readonly readOnlyHint?: boolean;
    readonly destructiveHint?: boolean;
    readonly openWorldHint?: boolean;
  } & Record<string, unknown>;
}

export interface Labeler {
  /** Static labels of a tool; the lead fills `ctx.target.labels` from this at catalog load. */
  labelsFor(server: string, tool: ToolDefinitionLike | string): ReadonlySet<string>;
}

const EMPTY: ReadonlySet<string> = new Set();

/** Labels implied by MCP tool annotations, or undefined when the tool has no usable annotations. */
export function annotationLabels(ann: ToolDefinitionLike['annotations']): string[] | undefined {
  if (!ann) return undefined;
  const { readOnlyHint, destructiveHint, openWorldHint } = ann;
  if (typeof readOnlyHint !== 'boolean' && typeof destructiveHint !== 'boolean' && typeof openWorldHint !== 'boolean') {
    return undefined;
  }
  const readOnly = readOnlyHint === true;
  const openWorld = openWorldHint !== false;
  const destructive = destructiveHint !== false;
  const out: string[] = [];
  if (!readOnly && openWorld) out.push('external_sink');
  if (!readOnly && destructive) out.push('destructive');
  if (readOnly && openWorld) out.push('untrusted_content');
  return out;
}

/** Builds the static labeler once; results are cached per (server, tool, annotations). */
export function createLabeler(
  servers: Readonly<Record<string, LabelServerConfig>>,
  flows: Pick<FlowsConfig, 'annotations' | 'unlabelled'>,
): Labeler {
  const cache = new Map<string, ReadonlySet<string>>();
  const unlabelled = Object.freeze(new Set(flows.unlabelled));

  function compute(server: string, def: ToolDefinitionLike): ReadonlySet<string> {
    const cfg = servers[server];
    const admin = new Set<string>([...(cfg?.labels ?? []), ...(cfg?.tools?.[def.name]?.labels ?? [])]);
    const trusted = cfg?.trusted !== false;
    const fromAnn = trusted && flows.annotations !== 'ignore' ? annotationLabels(def.annotations) : undefined;
    const out = new Set(admin);
    if (fromAnn && (flows.annotations === 'merge' || admin.size === 0)) for (const l of fromAnn) out.add(l);
    // No admin labels and no usable (trusted) annotations: the conservative default.
    if (admin.size === 0 && fromAnn === undefined) return unlabelled;
    return out.size === 0 ? EMPTY : Object.freeze(out);
  }

  return {
    labelsFor(server, tool) {
      const def = typeof tool === 'string' ? { name: tool } : tool;
      const a = def.annotations;
      const key = a
        ? `${server}\0${def.name}\0${String(a.readOnlyHint)}${String(a.destructiveHint)}${String(a.openWorldHint)}`
        : `${server}\0${def.name}`;
      let s = cache.get(key);
      if (!s) {
        s = compute(server, def);
        cache.set(key, s);
      }
      return s;
    },
  };
}

/** Computes labels from a result by the `flows.dynamic` conditions. */
export interface DynamicLabeler {
  /** Labels to add for this call's result, each with the rule that added it. */
  labelsFor(server: string, tool: string, args: Record<string, unknown>, result: Record<string, unknown>): { label: string; rule: string }[];
  readonly size: number;
}

interface CompiledDynamic {
  readonly id: string;
  readonly server: GlobTest;
  readonly tools: GlobTest;
  readonly when: CelCondition;
  readonly add: readonly string[];
}

/**
 * Compiles `flows.dynamic` once. A condition that fails to evaluate (a missing field) adds its
 * labels: err on the side of more taint. Write `has(result.structuredContent)` or `.?` to opt out.
 */
export function createDynamicLabeler(rules: readonly DynamicLabelConfig[]): DynamicLabeler {
  const compiled: CompiledDynamic[] = rules.map((r, i) => ({
    id: r.id ?? `dynamic[${i}]`,
    server: compileGlobs(r.server),
    tools: compileGlobs(r.tools),
    when: compileCel(r.when, `flows.dynamic[${i}].when`),
    add: r.add,
  }));
  return {
    size: compiled.length,
    labelsFor(server, tool, args, result) {
      const out: { label: string; rule: string }[] = [];
      for (const r of compiled) {
        if (!r.server(server) || !r.tools(tool)) continue;
        if (r.when({ args, result, server, tool }) === false) continue;
        for (const label of r.add) out.push({ label, rule: r.id });
      }
      return out;
    },
  };
}
