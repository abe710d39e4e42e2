/**
 * Wires one running Warden: config → gateway (upstreams, catalog, pipeline) → HTTP adapter.
 * Reloads on SIGHUP and on config-file change without dropping sessions; an invalid new config
 * is refused and the old one keeps running. SIGTERM drains in-flight calls within a bound.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFile, type LoadedConfig } from './config/index.ts';
import { Gateway } from './gateway/index.ts';
import { assemble, type Assembly } from './assemble.ts';
import { checkAuthBind } from './auth/bind.ts';
import { createAuthenticator, protectedResourceMetadataPaths } from './auth/index.ts';
import { ConfigError as WardenConfigError } from './config/index.ts';
import { WardenError } from './errors/index.ts';
import type { AgentIdentity } from './pipeline/index.ts';
import type { Authenticator, Route } from './transport/http.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { createLogger, type Logger } from './telemetry/log.ts';
import { createHttpGateway, type HttpGateway } from './transport/http.ts';

export interface RunningWarden {
  readonly gateway: Gateway;
  readonly runtime: Runtime;
  readonly http: HttpGateway;
  readonly address: AddressInfo;
  readonly url: string;
  reload(): Promise<{ ok: true } | { ok: false; problems: readonly string[] }>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly configPath: string;
  readonly port?: number;
  readonly host?: string;
  readonly log?: Logger;
  /** Watch the config file and reload on change (default true). */
  readonly watch?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export function loadWithOverrides(path: string, o: { port?: number; host?: string; env?: NodeJS.ProcessEnv }): LoadedConfig {
  const loaded = loadConfigFile(path, o.env);
  if (o.port === undefined && o.host === undefined) return loaded;
  const server = { ...loaded.config.server, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.host !== undefined ? { host: o.host } : {}) };
  // --host may move a local-only config off loopback: the same refusal as in the file.
  const bind = checkAuthBind(loaded.config.auth, server.host);
  if (bind) throw new WardenConfigError([bind]);
  return { ...loaded, config: Object.freeze({ ...loaded.config, server: Object.freeze(server) }) };
}

interface EdgeAuth {
  readonly authenticator: Authenticator;
  readonly endpoint: (agent: AgentIdentity, vs: string) => WardenError | undefined;
}

/** Identity at the edge: the authenticator for this config and the endpoint (virtual server) check. */
function edgeAuth(loaded: LoadedConfig, runtime: Runtime, assembly: Assembly): EdgeAuth {
  const authenticator = createAuthenticator(loaded.config.auth, {
    db: runtime.db,
    dataDir: runtime.dataDir,
    rolesFor: (id) => assembly.policy()?.rolesFor(id),
  });
  const endpoint = (agent: AgentIdentity, vs: string) => {
    const policy = assembly.policy();
    if (!policy) return vs === 'default' ? undefined : new WardenError('WARDEN_NOT_FOUND');
    if (!policy.hasVirtualServer(vs)) return new WardenError('WARDEN_NOT_FOUND');
    return policy.allowsEndpoint(agent, vs) ? undefined : new WardenError('WARDEN_FORBIDDEN');
  };
  return { authenticator, endpoint };
}

export async function startWarden(opts: StartOptions): Promise<RunningWarden> {
  let loaded = loadWithOverrides(opts.configPath, opts);
  const log = opts.log ?? createLogger(loaded.config.logging.level);
  for (const w of loaded.warnings) log.warn({ warning: w }, 'config warning');

  const runtime = await createRuntime(loaded, log);
  let assembly = await assemble(loaded.config, runtime, { log, baseDir: loaded.baseDir });
  const gateway = new Gateway(loaded, { log, extensions: assembly.extensions });
  await gateway.start();
  let auth = edgeAuth(loaded, runtime, assembly);
  const metricsPath = loaded.config.telemetry.metrics.enabled ? loaded.config.telemetry.metrics.path : undefined;
  // RFC 9728: where clients learn which authorization server issues tokens for Warden.
  const wellKnown: Route = (req, res, u) => {
    if (req.method !== 'GET' || !u.pathname.startsWith('/.well-known/oauth-protected-resource')) return false;
    const meta = auth.authenticator.protectedResourceMetadata();
    if (!meta || !protectedResourceMetadataPaths(loaded.config.auth.resource).includes(u.pathname)) return false;
    const body = JSON.stringify(meta);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    res.end(body);
    return true;
  };
  const http = createHttpGateway({
    gateway,
    server: loaded.config.server,
    log,
    authenticator: auth.authenticator,
    endpoint: auth.endpoint,
    routes: [
      wellKnown,
      ...runtime.approvals.routes,
      async (req, res, u) => {
        if (!metricsPath || u.pathname !== metricsPath || req.method !== 'GET') return false;
        for (const [name, st] of Object.entries(gateway.status())) runtime.metrics.setUpstreamHealth(name, st.state === 'ready');
        const body = await runtime.metrics.renderMetrics();
        res.writeHead(200, { 'content-type': runtime.metrics.contentType });
        res.end(body);
        return true;
      },
    ],
  });
  const address = await http.listen(loaded.config.server.port, loaded.config.server.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/mcp`;
  log.info({ url, upstreams: gateway.status() }, 'warden listening');

  let reloading: Promise<unknown> = Promise.resolve();
  const reload = async (): Promise<{ ok: true } | { ok: false; problems: readonly string[] }> => {
    let next: LoadedConfig;
    try {
      next = loadWithOverrides(opts.configPath, opts);
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      log.error({ problems }, 'config reload refused; the running config stays');
      return { ok: false, problems };
    }
    for (const w of next.warnings) log.warn({ warning: w }, 'config warning');
    let nextAssembly: Assembly;
    let nextAuth: EdgeAuth;
    try {
      nextAssembly = await assemble(next.config, runtime, { log, catalog: gateway.catalog, baseDir: next.baseDir });
      nextAuth = edgeAuth(next, runtime, nextAssembly);
    } catch (err) {
      // A config that validates but cannot be built (e.g. a rule naming no detector) is refused too.
      log.error({ err: (err as Error).message }, 'config reload refused; the running config stays');
      return { ok: false, problems: [(err as Error).message] };
    }
    await gateway.reload(next, nextAssembly.extensions);
    runtime.approvals.reload(next.config.approvals);
    assembly = nextAssembly;
    auth.authenticator.close();
    auth = nextAuth;
    http.setAuth(auth.authenticator, auth.endpoint);
    loaded = next;
    void runtime.audit?.admin('config.reload', { path: opts.configPath }).catch(() => undefined);
    log.info('config reloaded');
    return { ok: true };
  };
  const queueReload = () => (reloading = reloading.then(reload, reload));

  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (opts.watch !== false) {
    try {
      watcher = watch(opts.configPath, () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => void queueReload(), 200);
      });
      watcher.unref();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot watch config file; reload with SIGHUP');
    }
  }

  return {
    gateway,
    runtime,
    http,
    address,
    url,
    reload: () => queueReload() as Promise<{ ok: true } | { ok: false; problems: readonly string[] }>,
    async stop() {
      watcher?.close();
      clearTimeout(debounce);
      await gateway.stop(loaded.config.server.shutdownGraceMs);
      await http.close();
      auth.authenticator.close();
      await runtime.close();
    },
  };
}
