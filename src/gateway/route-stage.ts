/**
 * The route stage: resolves the name (or URI) the agent used to an upstream and its own name.
 * An unknown name and a name hidden from this agent end the same way, with the same error.
 */
import { WardenError } from '../errors/index.ts';
import { CONTINUE, type CallContext, type CallTarget, type Stage, type Verdict } from '../pipeline/index.ts';
import type { Catalog } from '../registry/index.ts';

export interface RouteDeps {
  /** The current catalog (swapped on every rebuild). */
  catalog(): Catalog;
  /** Precomputed labels of an exposed tool (config + annotations); empty when none. */
  labelsFor?(exposed: string): ReadonlySet<string> | undefined;
  /** Whether this agent may see the name at all (issue 3's policy); default: everything visible. */
  visible?(ctx: CallContext, kind: CallTarget['kind'], exposed: string, server: string, name: string): boolean;
}

const NO_LABELS: ReadonlySet<string> = new Set();

export function createRouteStage(deps: RouteDeps): Stage {
  const unknown = (kind: CallTarget['kind'], name: string): Verdict => ({
    kind: 'deny',
    error:
      kind === 'tool' ? new WardenError('WARDEN_UNKNOWN_TOOL', name)
      : kind === 'prompt' ? new WardenError('WARDEN_UNKNOWN_PROMPT', name)
      : new WardenError('WARDEN_UNKNOWN_RESOURCE', name, { uri: name }),
  });
  const visible = deps.visible ?? (() => true);

  return {
    name: 'route',
    methods: new Set(['tools/call', 'prompts/get', 'resources/read']),
    request(ctx: CallContext): Verdict {
      const catalog = deps.catalog();
      if (ctx.method === 'tools/call') {
        const name = ctx.params.name;
        if (typeof name !== 'string') return { kind: 'deny', error: new WardenError('WARDEN_INVALID_PARAMS', 'name must be a string') };
        const t = catalog.toolByName.get(name);
        if (!t || !visible(ctx, 'tool', name, t.server, t.name)) return unknown('tool', name);
        ctx.target = { kind: 'tool', server: t.server, name: t.name, exposed: name, labels: deps.labelsFor?.(name) ?? NO_LABELS };
        return CONTINUE;
      }
      if (ctx.method === 'prompts/get') {
        const name = ctx.params.name;
        if (typeof name !== 'string') return { kind: 'deny', error: new WardenError('WARDEN_INVALID_PARAMS', 'name must be a string') };
        const p = catalog.promptByName.get(name);
        if (!p || !visible(ctx, 'prompt', name, p.server, p.name)) return unknown('prompt', name);
        ctx.target = { kind: 'prompt', server: p.server, name: p.name, exposed: name, labels: NO_LABELS };
        return CONTINUE;
      }
      const uri = ctx.params.uri;
      if (typeof uri !== 'string') return { kind: 'deny', error: new WardenError('WARDEN_INVALID_PARAMS', 'uri must be a string') };
      const r = catalog.resolveResource(uri);
      if (!r || !visible(ctx, 'resource', uri, r.server, r.uri)) return unknown('resource', uri);
      ctx.target = { kind: 'resource', server: r.server, name: r.uri, exposed: uri, labels: NO_LABELS };
      return CONTINUE;
    },
  };
}
