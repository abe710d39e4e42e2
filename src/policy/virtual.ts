/**
 * Virtual servers: named endpoints (`/mcp/<name>`) that each expose a curated slice of the
 * catalog. The slice is intersected with the agent's grants; it never adds anything.
 */
import { compileGlobs, type GlobSet } from './glob.ts';
import type { PolicyConfig } from './config.ts';

export interface CompiledVirtualServer {
  readonly name: string;
  tool(server: string, name: string, exposed: string): boolean;
  resource(server: string, uri: string): boolean;
  prompt(exposed: string): boolean;
}

/** The name of the endpoint served at `/mcp`. */
export const DEFAULT_VIRTUAL_SERVER = 'default';

const EVERYTHING: CompiledVirtualServer = Object.freeze({
  name: DEFAULT_VIRTUAL_SERVER,
  tool: () => true,
  resource: () => true,
  prompt: () => true,
});

export function compileVirtualServers(config: PolicyConfig): Map<string, CompiledVirtualServer> {
  const out = new Map<string, CompiledVirtualServer>([[DEFAULT_VIRTUAL_SERVER, EVERYTHING]]);
  for (const [name, vs] of Object.entries(config.virtualServers)) {
    const exposed = compileGlobs(vs.tools.filter((t): t is string => typeof t === 'string'));
    const pairs: { server: GlobSet; tools: GlobSet }[] = vs.tools
      .filter((t): t is { server: string; tools: string[] } => typeof t !== 'string')
      .map((t) => ({ server: compileGlobs([t.server]), tools: compileGlobs(t.tools) }));
    const resources = vs.resources.map((r) => ({ server: compileGlobs([r.server]), uris: compileGlobs(r.uris) }));
    const prompts = compileGlobs(vs.prompts);
    out.set(
      name,
      Object.freeze({
        name,
        tool: (server: string, tool: string, exp: string) => exposed.test(exp) || pairs.some((p) => p.server.test(server) && p.tools.test(tool)),
        resource: (server: string, uri: string) => resources.some((r) => r.server.test(server) && r.uris.test(uri)),
        prompt: (exp: string) => prompts.test(exp),
      }),
    );
  }
  return out;
}
