/**
 * Flow-rule cost: 50 rules (trifecta, sequence, destination, dynamic), a session with 1,000
 * committed calls, then per-call cost of the request leg (decide) and of the response leg
 * (commit), for ordinary calls and for sink calls that run the data-flow check.
 * Run: node bin/run-ts.js scripts/bench-flow.ts   (target: request leg < 10 µs per call)
 */
import { createFlowRuntime, replayContext, type ReplayCall } from '../src/flow/replay.ts';

const rules: unknown[] = [];
for (let i = 0; i < 20; i++) rules.push({ id: `tri-${i}`, session_has: ['private_data', `label_${i}`], call_has: i % 2 ? 'external_sink' : 'destructive', action: 'require_approval' });
rules.push({ id: 'lethal-trifecta', session_has: ['private_data', 'untrusted_content'], call_has: 'external_sink', action: 'require_approval' });
for (let i = 0; i < 19; i++) {
  rules.push({
    id: `seq-${i}`,
    sequence: [{ server: `srv${i % 5}`, tools: ['get_*'] }, { tools: ['search_*'], labels: ['private_data'] }, { labels: ['external_sink'] }],
    window: { calls: 50, ms: 600_000 },
    action: 'block',
  });
}
const destinations = Array.from({ length: 10 }, (_, i) => ({ id: `dest-${i}`, label: i === 0 ? 'private_data' : `label_${i}`, arg: 'channel', allow: ['#support-*', '#internal-*'] }));
const flows = { rules, destinations, dynamic: [{ server: 'srv1', when: 'has(result.structuredContent) && result.structuredContent.visibility == "public"', add: ['untrusted_content'] }] };
const servers: Record<string, { labels?: string[]; tools?: Record<string, { labels: string[] }> }> = {
  chat: { tools: { post_message: { labels: ['external_sink'] } } },
};
for (let i = 0; i < 5; i++) servers[`srv${i}`] = { labels: i === 0 ? ['private_data'] : ['internal'], tools: { search_docs: { labels: ['private_data'] } } };
const rt = createFlowRuntime(flows, { servers });
const ruleCount = rules.length + destinations.length;

// Build a 1,000-call history: private reads with text (fingerprinted), other reads.
const text = 'Customer record: name Jane Roe, email jane.roe@example.com, phone 555 010 9999, plan gold, notes: prefers email contact, renewal due in March, ticket history attached';
let t = 1_700_000_000_000;
async function run(call: ReplayCall, key: string, id: number, forward = true) {
  rt.setTime((t += 100));
  const ctx = replayContext(call, key, id, new Set());
  const v = await rt.stage.request!(ctx);
  if (forward && v.kind === 'continue') {
    ctx.timings.forward = 1;
    ctx.result = call.result ?? { content: [] };
    await rt.stage.response!(ctx);
  }
  return v;
}
for (let i = 0; i < 1000; i++) {
  const server = `srv${i % 5}`;
  await run({ server, tool: i % 3 ? 'get_item' : 'search_docs', args: { q: `item ${i}` }, result: { content: [{ type: 'text', text: `${text} #${i}` }] } }, 'bench', i);
}
const state = rt.store.get('bench', rt.now())!;
console.log(`rules: ${ruleCount}, session calls: ${state.calls}, history kept: ${state.history.length}, fingerprints: ${state.fingerprints.size}, labels: ${[...state.labels.keys()].join(',')}`);

function bench(name: string, n: number, make: (i: number) => ReplayCall, forward: boolean) {
  const ctxs = Array.from({ length: n }, (_, i) => replayContext(make(i), 'bench', i, new Set()));
  // warm-up
  for (let i = 0; i < 200; i++) rt.stage.request!(replayContext(make(i), 'bench', i, new Set()));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const ctx of ctxs) {
    rt.stage.request!(ctx);
  }
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(c0);
  let respNs = 0n;
  if (forward) {
    for (const ctx of ctxs) {
      ctx.timings.forward = 1;
      ctx.result = { content: [{ type: 'text', text: 'short result' }] };
      const a = process.hrtime.bigint();
      rt.stage.response!(ctx);
      respNs += process.hrtime.bigint() - a;
    }
  }
  const req = Number(t1 - t0) / n / 1000;
  const reqCpu = (cpu.user + cpu.system) / n;
  const resp = Number(respNs) / n / 1000;
  console.log(`${name.padEnd(46)} request ${req.toFixed(2).padStart(6)} µs/call (cpu ${reqCpu.toFixed(2)})${forward ? `   response ${resp.toFixed(2).padStart(6)} µs/call` : ''}`);
  return req;
}

const N = 20_000;
const { loadavg, cpus } = await import('node:os');
console.log(`load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores (figures inflate with load)`);
const results = {
  read: bench('ordinary read (srv2/get_item)', N, (i) => ({ server: 'srv2', tool: 'get_item', args: { id: i } }), true),
  sinkShort: bench('sink, 21 rules fire, 60-char message', N, (i) => ({ server: 'chat', tool: 'post_message', args: { channel: '#support-a', text: `status update number ${i} all good here` } }), false),
  sinkLongAllowed: bench('sink to an allowed channel, 600-char message', 5000, (i) => ({ server: 'chat', tool: 'post_message', args: { channel: '#support-a', text: `${text} ${text} ${text} ${i}`.slice(0, 600) } }), false),
  sinkLong: bench('sink held by rules + data-flow evidence, 600 chars', 5000, (i) => ({ server: 'chat', tool: 'post_message', args: { channel: '#general', text: `${text} ${text} ${text} ${i}`.slice(0, 600) } }), false),
};
console.log(JSON.stringify({ rules: ruleCount, historyCalls: state.calls, microsPerCall: results }));

if (process.env.FLOW_PROFILE) {
  const st = rt.store.get('bench', rt.now())!;
  const call = { server: 'srv2', tool: 'get_item', labels: new Set(['internal']), args: { id: 1 } };
  const sink = { server: 'chat', tool: 'post_message', labels: new Set(['external_sink']), args: { channel: '#support-a', text: 'status update number 5 all good here' } };
  for (const [n, c] of [['eval read', call], ['eval sink', sink]] as const) {
    for (let i = 0; i < 1000; i++) rt.stage.engine.evaluate(c, st, rt.now());
    const a = process.hrtime.bigint();
    for (let i = 0; i < 50_000; i++) rt.stage.engine.evaluate(c, st, rt.now());
    console.log(n, Number(process.hrtime.bigint() - a) / 50_000 / 1000, 'µs');
  }
}
