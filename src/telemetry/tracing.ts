/**
 * OpenTelemetry traces: one SERVER span per call (its trace id is the call's W3C `ctx.traceId`),
 * a child span per stage leg and a CLIENT span for the upstream call, whose context is the
 * `traceparent` sent to HTTP upstreams. The SDK and the OTLP exporter are imported only when
 * `telemetry.otlp.endpoint` is set; otherwise spans go to whatever global provider the host
 * registered through `@opentelemetry/api` (none: no-op spans, a few hundred ns each).
 *
 * No context manager is needed: parents are passed explicitly, because the pipeline hands
 * every stage the same CallContext and the root span lives on it.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import type { CallContext, Forward, Observer, Outcome, Stage, Verdict } from '../pipeline/types.ts';
import type { TelemetryConfig } from './config.ts';

/** ctx.state keys. `trace.parentSpanId` may be set by the edge from an incoming `traceparent`. */
const ROOT = 'trace.root';
const FORWARD = 'trace.forward';
export const TRACE_PARENT_SPAN_ID = 'trace.parentSpanId';

/** The subset of an SDK span exporter tests may pass instead of OTLP. */
export interface TracingOptions {
  /** Called for export failures (never with span content). */
  readonly onError?: (err: unknown) => void;
}

export interface Tracing {
  /** The stages, each leg wrapped in a child span of the call's root span. */
  wrapStages(stages: readonly Stage[]): Stage[];
  /** The upstream call, in a CLIENT span; {@link Tracing.traceparent} then names that span. */
  wrapForward(forward: Forward): Forward;
  /** Ends the root span with the outcome. Register it with the pipeline's observers. */
  readonly observer: Observer;
  /** The W3C `traceparent` header value for an HTTP upstream call made for `ctx`. */
  traceparent(ctx: CallContext): string;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export async function createTracing(config: TelemetryConfig, opts: TracingOptions = {}): Promise<Tracing> {
  let tracer: Tracer;
  let flush = async () => {};
  let shutdown = async () => {};
  // Set just before a root span starts, so the SDK gives it the call's own trace id.
  let pendingTraceId: string | undefined;
  const ownProvider = config.otlp.endpoint !== undefined;
  if (ownProvider) {
    const [sdk, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
    const exporter = new OTLPTraceExporter({
      url: config.otlp.endpoint,
      headers: config.otlp.headers,
      timeoutMillis: config.otlp.timeoutMs,
    });
    const processor = new sdk.BatchSpanProcessor({ exporter, exportTimeoutMillis: config.otlp.timeoutMs });
    const provider = new sdk.TracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName }),
      sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.otlp.sampleRatio) }),
      idGenerator: { generateTraceId: () => pendingTraceId ?? hex(16), generateSpanId: () => hex(8) },
      spanProcessors: [processor],
    });
    tracer = provider.getTracer('warden');
    flush = () => provider.forceFlush().catch((err: unknown) => opts.onError?.(err));
    shutdown = () => provider.shutdown().catch((err: unknown) => opts.onError?.(err));
  } else {
    tracer = trace.getTracer('warden');
  }

  function rootOf(ctx: CallContext): Span {
    const existing = ctx.state.get(ROOT) as Span | undefined;
    if (existing) return existing;
    const parentSpanId = ctx.state.get(TRACE_PARENT_SPAN_ID);
    // Our own provider can start a true root with the call's trace id; otherwise (or when the agent
    // sent a traceparent) the call's trace is entered through a remote parent.
    const parent = ownProvider && typeof parentSpanId !== 'string'
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          traceId: ctx.traceId, spanId: typeof parentSpanId === 'string' ? parentSpanId : hex(8),
          traceFlags: TraceFlags.SAMPLED, isRemote: true,
        });
    pendingTraceId = ctx.traceId;
    let span: Span;
    try {
      span = tracer.startSpan(ctx.method, {
        kind: SpanKind.SERVER,
        startTime: performance.timeOrigin + ctx.startedAt,
        attributes: { 'mcp.method.name': ctx.method, 'warden.agent': ctx.agent.id, 'warden.virtual_server': ctx.virtualServer },
      }, parent);
    } finally {
      pendingTraceId = undefined;
    }
    ctx.state.set(ROOT, span);
    return span;
  }

  const child = (ctx: CallContext, name: string, kind: SpanKind, attributes: Record<string, string>) =>
    tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, rootOf(ctx)));

  function endStage(span: Span, v: Verdict): Verdict {
    span.setAttribute('warden.verdict', v.kind);
    if (v.kind === 'deny') span.setAttribute('warden.error_code', v.error.code);
    span.end();
    return v;
  }

  function wrapLeg(stage: Stage, leg: 'request' | 'response'): ((ctx: CallContext) => Verdict | Promise<Verdict>) | undefined {
    const fn = stage[leg];
    if (!fn) return undefined;
    const name = `warden.stage ${stage.name}`;
    return (ctx) => {
      const span = child(ctx, name, SpanKind.INTERNAL, { 'warden.stage': stage.name, 'warden.leg': leg });
      try {
        const v = fn.call(stage, ctx);
        if (!(v instanceof Promise)) return endStage(span, v);
        return v.then((x) => endStage(span, x), (err: unknown) => {
          failSpan(span, err);
          throw err;
        });
      } catch (err) {
        failSpan(span, err);
        throw err;
      }
    };
  }

  return {
    wrapStages: (stages) =>
      stages.map((s) => {
        const request = wrapLeg(s, 'request');
        const response = wrapLeg(s, 'response');
        return { name: s.name, ...(s.methods && { methods: s.methods }), ...(request && { request }), ...(response && { response }) };
      }),
    wrapForward: (forward) => async (ctx) => {
      const span = child(ctx, `warden.forward ${ctx.target?.server ?? ''}`.trim(), SpanKind.CLIENT, {
        'warden.server': ctx.target?.server ?? '', 'gen_ai.tool.name': ctx.target?.name ?? '',
      });
      ctx.state.set(FORWARD, span);
      try {
        return await forward(ctx);
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
    observer: (ctx: CallContext, outcome: Outcome) => {
      const root = rootOf(ctx);
      if (ctx.target) root.updateName(`${ctx.method} ${ctx.target.exposed}`);
      root.setAttribute('warden.outcome', outcome);
      if (ctx.target) root.setAttributes({ 'warden.server': ctx.target.server, 'gen_ai.tool.name': ctx.target.name });
      if (ctx.error) root.setAttribute('warden.error_code', ctx.error.code);
      if (outcome === 'failed') root.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error?.code ?? 'failed' });
      root.end();
    },
    traceparent(ctx) {
      const span = (ctx.state.get(FORWARD) ?? ctx.state.get(ROOT)) as Span | undefined;
      const sc = span?.spanContext();
      if (sc && isSpanContextValid(sc) && sc.traceId === ctx.traceId) {
        return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
      }
      // No recording span (no provider): still propagate the call's trace id.
      return `00-${ctx.traceId}-${hex(8)}-01`;
    },
    forceFlush: () => flush(),
    shutdown: () => shutdown(),
  };
}

function failSpan(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
  span.end();
}
