/**
 * The aggregate catalog: every upstream's tools, resources, resource templates and prompts
 * under namespaced names that never collide. Rebuilt (once, not per request) whenever an upstream
 * connects, drops out or reports `list_changed`; requests read the current frozen catalog.
 */
import { UriTemplate } from '@modelcontextprotocol/server';
import type { Prompt, Resource, ResourceTemplateType as ResourceTemplate, Tool } from '@modelcontextprotocol/server';
import type { UpstreamSnapshot } from '../upstreams/connection.ts';

export interface CatalogTool {
  readonly server: string;
  /** Name on the upstream. */
  readonly name: string;
  /** Name agents see. */
  readonly exposed: string;
  /** The definition agents see (the upstream's, with `name` replaced by `exposed`). */
  readonly definition: Tool;
}
export interface CatalogPrompt {
  readonly server: string;
  readonly name: string;
  readonly exposed: string;
  readonly definition: Prompt;
}
export interface CatalogResource {
  readonly server: string;
  readonly uri: string;
  readonly exposed: string;
  readonly definition: Resource;
}
export interface CatalogTemplate {
  readonly server: string;
  readonly uriTemplate: string;
  readonly exposed: string;
  readonly matcher: UriTemplate;
  readonly definition: ResourceTemplate;
}

export interface Catalog {
  /** Increases on every rebuild; list cursors carry it so a stale cursor restarts cleanly. */
  readonly version: number;
  readonly tools: readonly CatalogTool[];
  readonly prompts: readonly CatalogPrompt[];
  readonly resources: readonly CatalogResource[];
  readonly templates: readonly CatalogTemplate[];
  readonly toolByName: ReadonlyMap<string, CatalogTool>;
  readonly promptByName: ReadonlyMap<string, CatalogPrompt>;
  /** Resolves an exposed resource URI to its server and upstream URI. */
  resolveResource(exposed: string): { server: string; uri: string } | undefined;
  /** The exposed URI for an upstream's URI (for `resources/updated` relays). */
  exposeResource(server: string, uri: string): string;
}

export interface NamingOptions {
  readonly separator: string;
  /** Prefix per server; '' means no namespace (single-server setups). */
  readonly prefixes: ReadonlyMap<string, string>;
}

/** The spec's allowed tool-name characters (2025-11-25): A–Z a–z 0–9 _ - . , 1–128 long. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const ns = (prefix: string, sep: string, name: string) => (prefix ? `${prefix}${sep}${name}` : name);
const wrapUri = (prefix: string, uri: string) => `warden://${prefix}/${encodeURIComponent(uri)}`;

export function buildCatalog(
  version: number,
  snapshots: ReadonlyMap<string, UpstreamSnapshot>,
  naming: NamingOptions,
  warn: (msg: string) => void = () => undefined,
): Catalog {
  const tools: CatalogTool[] = [];
  const prompts: CatalogPrompt[] = [];
  const toolByName = new Map<string, CatalogTool>();
  const promptByName = new Map<string, CatalogPrompt>();
  const prefixOf = (server: string) => naming.prefixes.get(server) ?? server;

  for (const [server, snap] of snapshots) {
    const prefix = prefixOf(server);
    for (const t of snap.tools) {
      const exposed = ns(prefix, naming.separator, t.name);
      if (!TOOL_NAME.test(exposed)) {
        warn(`servers.${server}: tool '${t.name}' gives the name '${exposed}', outside the spec's allowed characters or length; skipped`);
        continue;
      }
      if (toolByName.has(exposed)) {
        warn(`servers.${server}: tool '${exposed}' collides with servers.${toolByName.get(exposed)!.server}; the first one wins`);
        continue;
      }
      const entry: CatalogTool = { server, name: t.name, exposed, definition: Object.freeze({ ...t, name: exposed }) };
      tools.push(entry);
      toolByName.set(exposed, entry);
    }
    for (const p of snap.prompts) {
      const exposed = ns(prefix, naming.separator, p.name);
      if (promptByName.has(exposed)) continue;
      const entry: CatalogPrompt = { server, name: p.name, exposed, definition: Object.freeze({ ...p, name: exposed }) };
      prompts.push(entry);
      promptByName.set(exposed, entry);
    }
  }

  // Resource URIs stay as the upstream wrote them unless two servers claim the same URI;
  // then every claimant after the first gets a reversible warden:// URI.
  const resources: CatalogResource[] = [];
  const byUri = new Map<string, CatalogResource>();
  const templates: CatalogTemplate[] = [];
  const templateStrings = new Set<string>();
  const wrapped = new Map<string, { server: string; uri: string }>();
  for (const [server, snap] of snapshots) {
    const prefix = prefixOf(server) || server;
    for (const r of snap.resources) {
      const exposed = byUri.has(r.uri) ? wrapUri(prefix, r.uri) : r.uri;
      if (exposed !== r.uri) wrapped.set(exposed, { server, uri: r.uri });
      const entry = { server, uri: r.uri, exposed, definition: Object.freeze({ ...r, uri: exposed }) };
      resources.push(entry);
      byUri.set(exposed, entry);
    }
    for (const t of snap.resourceTemplates) {
      let matcher: UriTemplate;
      try {
        matcher = new UriTemplate(t.uriTemplate);
      } catch {
        warn(`servers.${server}: resource template '${t.uriTemplate}' is not a valid URI template; skipped`);
        continue;
      }
      const exposed = templateStrings.has(t.uriTemplate) ? wrapUri(prefix, t.uriTemplate) : t.uriTemplate;
      templateStrings.add(exposed);
      templates.push({ server, uriTemplate: t.uriTemplate, exposed, matcher, definition: Object.freeze({ ...t, uriTemplate: exposed }) });
    }
  }

  return Object.freeze({
    version,
    tools: Object.freeze(tools),
    prompts: Object.freeze(prompts),
    resources: Object.freeze(resources),
    templates: Object.freeze(templates),
    toolByName,
    promptByName,
    resolveResource(exposed: string) {
      const w = wrapped.get(exposed);
      if (w) return w;
      const direct = byUri.get(exposed);
      if (direct) return { server: direct.server, uri: direct.uri };
      if (exposed.startsWith('warden://')) {
        const m = /^warden:\/\/([^/]+)\/(.+)$/.exec(exposed);
        if (m) {
          const server = [...snapshots.keys()].find((s) => (prefixOf(s) || s) === m[1]);
          if (server) return { server, uri: decodeURIComponent(m[2]!) };
        }
        return undefined;
      }
      // Dynamic resources: the first template (in config order) that matches owns the URI.
      for (const t of templates) {
        if (t.exposed === t.uriTemplate && t.matcher.match(exposed)) return { server: t.server, uri: exposed };
      }
      // With a single resource server, it owns every URI it did not list (servers may serve
      // unlisted URIs); with several, an unlisted URI is ambiguous and stays unknown.
      const owners = [...snapshots].filter(([, s]) => s.capabilities.resources);
      return owners.length === 1 ? { server: owners[0]![0], uri: exposed } : undefined;
    },
    exposeResource(server: string, uri: string) {
      const direct = byUri.get(uri);
      if (direct?.server === server || !direct) return uri;
      return wrapUri(prefixOf(server) || server, uri);
    },
  });
}
