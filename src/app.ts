/**
 * Wires one running Warden: config → gateway (upstreams, catalog, pipeline) → HTTP adapter.
 * Reloads on SIGHUP and on config-file change without dropping sessions; an invalid new config
 * is refused and the old one keeps running. SIGTERM drains in-flight calls within a bound.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFile, type LoadedConfig } from './config/index.ts';
import { Gateway } from './gateway/index.ts';
import { assemble } from './assemble.ts';
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
  return { ...loaded, config: Object.freeze({ ...loaded.config, server: Object.freeze(server) }) };
}

export async function startWarden(opts: StartOptions): Promise<RunningWarden> {
  let loaded = loadWithOverrides(opts.configPath, opts);
  const log = opts.log ?? createLogger(loaded.config.logging.level);
  for (const w of loaded.warnings) log.warn({ warning: w }, 'config warning');

  const runtime = createRuntime(loaded, log);
  const gateway = new Gateway(loaded, { log, extensions: (await assemble(loaded.config, runtime, { log })).extensions });
  await gateway.start();
  const metricsPath = loaded.config.telemetry.metrics.enabled ? loaded.config.telemetry.metrics.path : undefined;
  const http = createHttpGateway({
    gateway,
    server: loaded.config.server,
    log,
    routes: [
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
    let assembly;
    try {
      assembly = await assemble(next.config, runtime, { log });
    } catch (err) {
      // A config that validates but cannot be built (e.g. a rule naming no detector) is refused too.
      log.error({ err: (err as Error).message }, 'config reload refused; the running config stays');
      return { ok: false, problems: [(err as Error).message] };
    }
    await gateway.reload(next, assembly.extensions);
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
      await runtime.close();
    },
  };
}
