/**
 * Test helpers: a Warden started in-process on an ephemeral port from a YAML string, and SDK
 * clients connected to it. Every helper returns something to close; tests close in `after`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startWarden, type RunningWarden } from '../src/app.ts';
import { silentLogger } from '../src/telemetry/log.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const NM = join(ROOT, 'node_modules');
export const EVERYTHING = join(NM, '@modelcontextprotocol/server-everything/dist/index.js');
export const FILESYSTEM = join(NM, '@modelcontextprotocol/server-filesystem/dist/index.js');
export const MEMORY = join(NM, '@modelcontextprotocol/server-memory/dist/index.js');
export const RUN_TS = join(ROOT, 'bin/run-ts.js');

export interface TestWarden extends RunningWarden {
  readonly dir: string;
  readonly configPath: string;
  writeConfig(yaml: string): void;
}

export async function startTestWarden(yaml: string, opts: { watch?: boolean } = {}): Promise<TestWarden> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const configPath = join(dir, 'warden.yaml');
  writeFileSync(configPath, yaml);
  const running = await startWarden({ configPath, port: 0, log: silentLogger, watch: opts.watch ?? false });
  return { ...running, dir, configPath, writeConfig: (y: string) => writeFileSync(configPath, y) };
}

export async function connect(url: string, opts: { era?: 'legacy' | 'auto'; capabilities?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<Client> {
  const client = new Client(
    { name: 'warden-test', version: '1.0.0' },
    { capabilities: (opts.capabilities ?? {}) as never, versionNegotiation: { mode: opts.era ?? 'legacy' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: opts.headers ?? {} } }));
  return client;
}

/** Resolves when `predicate` is true, checking on each event loop turn up to `ms`. */
export async function until(predicate: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function yamlStdio(name: string, command: string[], extra = ''): string {
  return `  ${name}:\n    command: ${JSON.stringify(command)}\n${extra}`;
}
