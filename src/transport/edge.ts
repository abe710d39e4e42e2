/**
 * Edge checks on raw HTTP input, before any MCP parsing: body size, JSON nesting depth,
 * JSON-RPC shape, Host and Origin (DNS-rebinding protection), protocol version header.
 * Each failure is a catalogue error; none of them throws past the HTTP handler.
 */
import type { IncomingMessage } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { WardenError } from '../errors/index.ts';

/** 2025-era versions from the SDK plus the 2026-07-28 revision it serves through createMcpHandler. */
export const KNOWN_PROTOCOL_VERSIONS: ReadonlySet<string> = new Set([...SUPPORTED_PROTOCOL_VERSIONS, '2026-07-28']);

/** Reads the body up to `limit` bytes; past it, stops reading and fails with WARDEN_BODY_TOO_LARGE. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new WardenError('WARDEN_BODY_TOO_LARGE'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new WardenError('WARDEN_BODY_TOO_LARGE'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Deepest nesting of arrays/objects in JSON text, found in one linear pass that skips strings,
 * so a hostile body is refused before JSON.parse builds it.
 */
export function jsonDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > deepest) deepest = depth;
      if (depth > max) return depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

export type JsonRpcMessage =
  | { kind: 'request'; id: string | number; method: string; params?: unknown; raw: Record<string, unknown> }
  | { kind: 'notification'; method: string; params?: unknown; raw: Record<string, unknown> }
  | { kind: 'response'; id: string | number; raw: Record<string, unknown> };

/** Parses and shape-checks one JSON-RPC message. Throws a WardenError (caught by the handler). */
export function parseMessage(body: Buffer, maxDepth: number): JsonRpcMessage {
  const text = body.toString('utf8');
  if (jsonDepth(text, maxDepth) > maxDepth) throw new WardenError('WARDEN_TOO_DEEP');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WardenError('WARDEN_PARSE_ERROR');
  }
  if (Array.isArray(value)) throw new WardenError('WARDEN_BATCH_UNSUPPORTED');
  if (!value || typeof value !== 'object') throw new WardenError('WARDEN_INVALID_REQUEST', 'not a JSON-RPC object');
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') throw new WardenError('WARDEN_INVALID_REQUEST', 'jsonrpc must be "2.0"');
  const id = m.id;
  const validId = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  if (typeof m.method === 'string') {
    if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))) {
      throw new WardenError('WARDEN_INVALID_REQUEST', 'params must be an object');
    }
    if (id === undefined) return { kind: 'notification', method: m.method, params: m.params, raw: m };
    if (!validId) throw new WardenError('WARDEN_INVALID_REQUEST', 'id must be a string or number');
    return { kind: 'request', id: id as string | number, method: m.method, params: m.params, raw: m };
  }
  if (validId && ('result' in m || 'error' in m)) return { kind: 'response', id: id as string | number, raw: m };
  throw new WardenError('WARDEN_INVALID_REQUEST');
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function hostnameOf(hostHeader: string): string {
  // Host may be "name:port" or "[v6]:port".
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1).toLowerCase();
  return hostHeader.split(':')[0]!.toLowerCase();
}

export interface OriginPolicy {
  /** Hostnames allowed in Host; undefined = any. */
  readonly hosts: ReadonlySet<string> | undefined;
  /** Origins (scheme://host[:port]) or hostnames allowed in Origin. */
  readonly origins: ReadonlySet<string>;
}

/** Builds the DNS-rebinding policy once at load. */
export function originPolicy(bindHost: string, allowedHosts?: readonly string[], allowedOrigins?: readonly string[]): OriginPolicy {
  const loopback = /^(127\.|localhost$|::1$|\[::1\]$)/.test(bindHost);
  const hosts = allowedHosts ? new Set(allowedHosts.map((h) => h.toLowerCase())) : loopback ? new Set(LOOPBACK_NAMES) : undefined;
  const origins = new Set((allowedOrigins ?? LOOPBACK_NAMES).map((o) => o.toLowerCase()));
  return { hosts, origins };
}

/** Checks Host and Origin; returns the error to answer with, if any. */
export function checkOrigin(req: IncomingMessage, policy: OriginPolicy): WardenError | undefined {
  const host = req.headers.host;
  if (policy.hosts && (!host || !policy.hosts.has(hostnameOf(host)))) return new WardenError('WARDEN_BAD_HOST');
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return new WardenError('WARDEN_BAD_ORIGIN');
    }
    const full = `${url.protocol}//${url.host}`.toLowerCase();
    const name = url.hostname.startsWith('[') ? url.hostname : url.hostname.toLowerCase();
    if (!policy.origins.has(full) && !policy.origins.has(name) && !policy.origins.has(`[${name}]`)) return new WardenError('WARDEN_BAD_ORIGIN');
  }
  return undefined;
}

export function checkProtocolVersion(req: IncomingMessage): WardenError | undefined {
  const v = req.headers['mcp-protocol-version'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !KNOWN_PROTOCOL_VERSIONS.has(v)) return new WardenError('WARDEN_BAD_PROTOCOL_VERSION', typeof v === 'string' ? v.slice(0, 40) : undefined);
  return undefined;
}
