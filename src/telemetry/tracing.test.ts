import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPipeline } from '../pipeline/chain.ts';
import { CONTINUE } from '../pipeline/types.ts';
import type { Stage } from '../pipeline/types.ts';
import { WardenError } from '../errors/index.ts';
import { telemetryConfigSchema } from './config.ts';
import { createTracing, TRACE_PARENT_SPAN_ID } from './tracing.ts';
import { makeCtx } from '../audit/test-helpers.ts';

interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: { key: string; value: { stringValue?: string } }[] }

/** An OTLP/HTTP collector stand-in: receives JSON exports on 127.0.0.1. */
async function collector() {
  const spans: OtlpSpan[] = [];
  const resources: unknown[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      contentTypes.push(String(req.headers['content-type']));
      const msg = JSON.parse(body) as { resourceSpans: { resource: unknown; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of msg.resourceSpans) {
        resources.push(rs.resource);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, spans, resources, contentTypes, close: () => new Promise((r) => server.close(r)) };
}

const attr = (s: OtlpSpan, k: string) => s.attributes.find((a) => a.key === k)?.value.stringValue;

describe('tracing', () => {
  test('exports a root span per call with a child per stage leg and the upstream call, under the call trace id', async () => {
    const col = await collector();
    try {
      const tracing = await createTracing(telemetryConfigSchema.parse({ serviceName: 'warden-test', otlp: { endpoint: col.url } }));
      const stages: Stage[] = [
        { name: 'authorize', request: () => CONTINUE },
        { name: 'inspect', request: async () => CONTINUE, response: () => CONTINUE },
      ];
      let sentTraceparent = '';
      const pipeline = createPipeline({
        stages: tracing.wrapStages(stages),
        forward: tracing.wrapForward(async (ctx) => {
          sentTraceparent = tracing.traceparent(ctx);
          return { content: [] };
        }),
        observers: [tracing.observer],
      });
      const ctx = makeCtx();
      await pipeline.run(ctx);
      await tracing.forceFlush();

      assert.equal(col.spans.length, 5);
      assert.ok(col.contentTypes.every((c) => c.startsWith('application/json')));
      const root = col.spans.find((s) => !s.parentSpanId)!;
      assert.ok(root, 'one root span');
      assert.equal(root.name, 'tools/call tickets__get_ticket');
      assert.equal(root.traceId, ctx.traceId);
      assert.equal(attr(root, 'warden.outcome'), 'allowed');
      const children = col.spans.filter((s) => s !== root);
      for (const c of children) {
        assert.equal(c.traceId, ctx.traceId);
        assert.equal(c.parentSpanId, root.spanId, `${c.name} is a child of the root`);
      }
      assert.deepEqual(children.map((c) => `${c.name}/${attr(c, 'warden.leg') ?? '-'}`).sort(), [
        'warden.forward tickets/-', 'warden.stage authorize/request', 'warden.stage inspect/request', 'warden.stage inspect/response',
      ]);
      const fwd = children.find((c) => c.name.startsWith('warden.forward'))!;
      assert.equal(sentTraceparent, `00-${ctx.traceId}-${fwd.spanId}-01`);
      assert.match(JSON.stringify(col.resources), /"service.name".*"warden-test"/);
      await tracing.shutdown();
    } finally {
      await col.close();
    }
  });

  test('a denied call: the denying stage span carries the code, the root the outcome; an incoming parent is kept', async () => {
    const col = await collector();
    try {
      const tracing = await createTracing(telemetryConfigSchema.parse({ otlp: { endpoint: col.url } }));
      const pipeline = createPipeline({
        stages: tracing.wrapStages([{ name: 'flow', request: () => ({ kind: 'deny', error: new WardenError('WARDEN_FLOW_BLOCKED') }) }]),
        forward: tracing.wrapForward(async () => ({})),
        observers: [tracing.observer],
      });
      const ctx = makeCtx();
      ctx.state.set(TRACE_PARENT_SPAN_ID, 'b7ad6b7169203331');
      await assert.rejects(pipeline.run(ctx));
      await tracing.forceFlush();
      const root = col.spans.find((s) => s.parentSpanId === 'b7ad6b7169203331')!;
      assert.ok(root, 'the root is a child of the agent-side span');
      assert.equal(attr(root, 'warden.outcome'), 'denied');
      const flow = col.spans.find((s) => s.name === 'warden.stage flow')!;
      assert.equal(flow.parentSpanId, root.spanId);
      assert.equal(attr(flow, 'warden.error_code'), 'WARDEN_FLOW_BLOCKED');
      assert.equal(col.spans.length, 2, 'no forward span for a denied call');
      await tracing.shutdown();
    } finally {
      await col.close();
    }
  });

  test('without an endpoint: stages still run and traceparent carries the call trace id', async () => {
    const tracing = await createTracing(telemetryConfigSchema.parse({}));
    let tp = '';
    const pipeline = createPipeline({
      stages: tracing.wrapStages([{ name: 'a', request: () => CONTINUE }]),
      forward: tracing.wrapForward(async (ctx) => ((tp = tracing.traceparent(ctx)), {})),
      observers: [tracing.observer],
    });
    const ctx = makeCtx();
    await pipeline.run(ctx);
    assert.match(tp, new RegExp(`^00-${ctx.traceId}-[0-9a-f]{16}-01$`));
  });
});
