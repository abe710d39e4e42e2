/**
 * `warden stdio`: the same aggregate served over stdio to one client (for clients that only
 * launch commands). One 2025-era connection; the agent is the local one (stdio has no
 * credentials: whoever can launch the process is the user).
 */
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { LoadedConfig } from '../config/index.ts';
import { Gateway, type Peer } from '../gateway/index.ts';
import type { AgentIdentity } from '../pipeline/index.ts';
import type { Logger } from '../telemetry/log.ts';
import { createDownstreamServer } from './mcp-server.ts';
import { assemble } from '../assemble.ts';
import { createRuntime } from '../runtime.ts';

export async function runStdio(loaded: LoadedConfig, log: Logger): Promise<void> {
  const runtime = await createRuntime(loaded, log);
  const assembly = await assemble(loaded.config, runtime, { log, baseDir: loaded.baseDir });
  const gateway = new Gateway(loaded, { log, extensions: assembly.extensions });
  await gateway.start();
  // stdio carries no credentials: whoever launched the process is the configured local agent.
  const local = loaded.config.auth.local;
  const roles = assembly.policy()?.rolesFor(local.agent) ?? local.roles ?? [];
  const agent: AgentIdentity = { id: local.agent, roles, via: 'local', scopes: [] };
  const subscriptions = new Set<string>();
  const session = { key: `stdio:${process.pid}`, mcpSessionId: undefined, era: 'legacy' as const };
  const peer: Peer = { id: 'stdio', agentId: agent.id, subscriptions, notify: (method, params) => void server.notification({ method, params } as never).catch(() => undefined) };
  const server = createDownstreamServer(gateway, { agent, virtualServer: 'default', session: () => session, peer, onError: (e) => log.error({ err: e.message }, 'handler error') });
  gateway.addPeer(peer);
  const transport = new StdioServerTransport();
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
    void server.connect(transport);
  });
  await gateway.stop(loaded.config.server.shutdownGraceMs);
  await runtime.close();
}
