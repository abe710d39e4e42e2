import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createMetrics } from './metrics.ts';
import { makeCtx } from '../audit/test-helpers.ts';

// A real Prometheus text-format parser (parse-prometheus-text-format), not one written for the test.
interface Family { name: string; help: string; type: string; metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[] }
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

describe('metrics', () => {
  test('the exposition parses and carries calls, decisions, stage latency, upstream health, approvals and audit queue depth', async () => {
    let depth = 7;
    const m = createMetrics({ auditQueueDepth: () => depth, pendingApprovals: () => 2, auditStats: () => ({ dropped: 1, refused: 3 }) });
    m.observer(makeCtx({ hits: [{ stage: 'flow', rule: 'lethal-trifecta', action: 'require_approval' }] }), 'approved');
    m.observer(makeCtx(), 'allowed');
    m.observer(makeCtx({ method: 'evil/' + 'x'.repeat(50) }), 'denied');
    m.setUpstreamHealth('tickets', true);
    m.setUpstreamHealth('chat', false);
    assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);

    const text = await m.renderMetrics();
    const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
    const calls = families.get('warden_calls_total')!;
    assert.equal(calls.type, 'COUNTER');
    const byLabels = (f: Family) => Object.fromEntries(f.metrics.map((x) => [Object.values(x.labels ?? {}).join('|'), x.value]));
    assert.deepEqual(byLabels(calls), { 'tools/call|approved': '1', 'tools/call|allowed': '1', 'other|denied': '1' });
    assert.deepEqual(byLabels(families.get('warden_decisions_total')!), { 'flow|lethal-trifecta|require_approval': '1' });
    assert.equal(families.get('warden_stage_duration_microseconds')!.type, 'HISTOGRAM');
    assert.equal(families.get('warden_call_duration_microseconds')!.type, 'HISTOGRAM');
    // The parser folds a labelled histogram's series together, so its per-stage series are read from the text.
    assert.match(text, /^warden_stage_duration_microseconds_bucket\{le="100",stage="forward"\} 0$/m);
    assert.match(text, /^warden_stage_duration_microseconds_bucket\{le="250",stage="forward"\} 3$/m);
    assert.match(text, /^warden_stage_duration_microseconds_sum\{stage="forward"\} 360$/m);
    assert.match(text, /^warden_stage_duration_microseconds_count\{stage="authorize"\} 3$/m);
    // The parser is lenient about values; be strict here.
    for (const f of families.values()) {
      for (const x of f.metrics) for (const v of [x.value, x.count, x.sum, ...Object.values(x.buckets ?? {})]) if (v !== undefined) assert.ok(!Number.isNaN(Number(v)), `${f.name}: ${v}`);
    }
    assert.deepEqual(byLabels(families.get('warden_upstream_up')!), { tickets: '1', chat: '0' });
    assert.equal(families.get('warden_approvals_pending')!.metrics[0]!.value, '2');
    assert.equal(families.get('warden_audit_queue_depth')!.metrics[0]!.value, '7');
    assert.equal(families.get('warden_audit_dropped_total')!.metrics[0]!.value, '1');
    assert.equal(families.get('warden_audit_refused_total')!.metrics[0]!.value, '3');
    depth = 0;
    const again = new Map(parsePrometheus(await m.renderMetrics()).map((f) => [f.name, f]));
    assert.equal(again.get('warden_audit_queue_depth')!.metrics[0]!.value, '0');
    assert.equal(again.get('warden_audit_refused_total')!.metrics[0]!.value, '3', 'mirrored counters do not double count');
  });

  test('two instances do not share counters (no global registry)', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.observer(makeCtx(), 'allowed');
    assert.match(await a.renderMetrics(), /warden_calls_total\{method="tools\/call",outcome="allowed"\} 1/);
    assert.doesNotMatch(await b.renderMetrics(), /warden_calls_total\{/);
  });
});
