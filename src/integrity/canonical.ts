/**
 * The canonical form of a tool definition and its pin hash.
 *
 * A pin covers the tool's WHOLE definition as served upstream: `name`, `title`, `description`,
 * `inputSchema`, `outputSchema`, `annotations`, and any other top-level member a future protocol
 * version adds (`icons`, `execution`, …) — an unknown field that changes is a change, which fails
 * closed. Only `_meta` is excluded by default: the MCP spec reserves it for protocol-level metadata
 * that clients do not show the model, and some servers stamp it per listing (build ids, timestamps),
 * which would quarantine a tool on every restart. `pinMeta: true` includes it.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical.ts';

/**
 * The structural shape of an MCP `Tool` that integrity reads. Any SDK `Tool` is assignable to it;
 * the functions below are generic so callers keep their own type.
 */
export interface ToolLike {
  readonly name: string;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

/** Deep-sorted copy: object keys in code-point order, `undefined` members dropped (as JSON does). */
function sortDeep(v: unknown, depth: number): unknown {
  // Tool definitions come from untrusted upstreams; cap depth rather than recurse without end.
  if (depth > 64) return '[too deep]';
  if (Array.isArray(v)) return v.map((x) => sortDeep(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x, depth + 1);
    }
    return out;
  }
  return v;
}

/** The part of a definition that is pinned (everything but `_meta` unless `pinMeta`). */
export function pinnedPart(tool: ToolLike, pinMeta = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tool)) {
    if (k === '_meta' && !pinMeta) continue;
    out[k] = v;
  }
  return sortDeep(out, 0) as Record<string, unknown>;
}

/** Canonical JSON (sorted keys, no whitespace): the audit chain's serializer, one for the whole project. */
export { canonicalJson };

/** `sha256:<hex>` of the canonical JSON of the pinned part of `tool`. */
export function toolHash(tool: ToolLike, pinMeta = false): string {
  return `sha256:${createHash('sha256').update(canonicalJson(pinnedPart(tool, pinMeta))).digest('hex')}`;
}

/** Pretty canonical JSON (sorted keys, 2-space indent) for storage and diffs. */
export function prettyCanonical(v: unknown): string {
  return JSON.stringify(sortDeep(v, 0), null, 2);
}
