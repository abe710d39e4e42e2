/**
 * What reaches an HTTP upstream: Warden's own credential, never the agent's token, and a W3C
 * `traceparent` whose trace matches the spans exported to an OTLP collector stand-in.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Client } from '@modelcontextprotocol/client';
import { startConformanceHttp, type ConformanceHttpServer } from '../fixtures/conformance-server.ts';
import { connect, startTestWarden, until, type TestWarden } from '../helpers.ts';

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
interface Span { traceId: string; spanId: string; parentSpanId?: string; name: string }

/** A pass-through proxy in front of the upstream that records every request's headers. */
async function recordingProxy(target: URL): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const up = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, seen, server };
}

/** An OTLP/HTTP (JSON) collector stand-in. */
async function collector(): Promise<{ url: string; spans: Span[]; server: Server }> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const msg = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
      for (const rs of msg.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans, server };
}

describe('upstream credentials and trace propagation', () => {
  let fixture: ConformanceHttpServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let otlp: Awaited<ReturnType<typeof collector>>;
  let w: TestWarden;
  let client: Client;
  let agentToken: string;

  before(async () => {
    fixture = await startConformanceHttp({ port: 0 });
    proxy = await recordingProxy(new URL(fixture.url));
    otlp = await collector();
    process.env.WARDEN_TEST_UPSTREAM_TOKEN = 'wardens-own-upstream-credential';
    w = await startTestWarden(`server: { host: 127.0.0.1, port: 0 }
servers:
  up: { url: "${proxy.url}", headers: { authorization: "Bearer \${env:WARDEN_TEST_UPSTREAM_TOKEN}" } }
auth:
  jwt: [ { issuer: https://idp.test, audience: warden, keys: [ { algorithms: [HS256], secret: "${SECRET}" } ] } ]
agents: { agent-a: { roles: [all] } }
roles: { all: { allow: [ { server: up, tools: ["*"] } ] } }
telemetry: { otlp: { endpoint: "${otlp.url}" } }
`);
    agentToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('agent-a').setIssuer('https://idp.test')
      .setAudience('warden').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    client = await connect(w.url, { headers: { authorization: `Bearer ${agentToken}` } });
  });
  after(async () => {
    await client?.close();
    await w?.stop();
    await fixture?.close();
    proxy?.server.close();
    otlp?.server.close();
  });

  test('the upstream sees Warden’s credential and never the agent’s token', async () => {
    const r = await client.callTool({ name: 'up__test_simple_text', arguments: {} });
    assert.equal(r.isError, undefined);
    assert.ok(proxy.seen.length > 0);
    for (const h of proxy.seen) {
      assert.equal(h.authorization, 'Bearer wardens-own-upstream-credential');
      assert.ok(!JSON.stringify(h).includes(agentToken), 'agent token forwarded');
    }
  });

  test('a traceparent reaches the upstream and its trace is exported with a span per stage', async () => {
    const before = proxy.seen.length;
    await client.callTool({ name: 'up__test_simple_text', arguments: {} });
    const sent = proxy.seen.slice(before).map((h) => h.traceparent).find((t): t is string => typeof t === 'string');
    assert.match(sent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = sent!.split('-')[1]!;
    await w.runtime.tracing!.forceFlush();
    await until(() => otlp.spans.some((s) => s.traceId === traceId && !s.parentSpanId), 5000, 'root span exported');
    const trace = otlp.spans.filter((s) => s.traceId === traceId);
    const root = trace.find((s) => !s.parentSpanId)!;
    const children = trace.filter((s) => s.parentSpanId === root.spanId);
    assert.ok(children.length >= 2, trace.map((s) => s.name).join(','));
    const clientSpan = trace.find((s) => s.spanId === sent!.split('-')[2]);
    assert.ok(clientSpan, 'the traceparent names an exported span (the upstream call)');
  });
});
