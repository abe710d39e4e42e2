#!/usr/bin/env node
// `npm run bench`: a tools/call through Warden against the same upstream called directly, in
// one interleaved run, with ../shared/bench (wrk + the SDK upstream it starts). Prints the
// yardstick's key=value line; the figures to quote are gateway_cpu_us_per_req and added_p50_ms.
// Needs wrk (apt-get install -y wrk). Extra env knobs pass through (DURATION, REPEATS, …).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const shared = resolve(root, '../shared/bench');
if (!existsSync(join(shared, 'bench.sh'))) {
  console.error(`missing ${shared}: the benchmark lives in ../shared/bench beside the project`);
  process.exit(2);
}
// ../shared is read-only by convention: run a working copy (bench.sh installs its own deps there).
const work = join(tmpdir(), 'warden-bench');
cpSync(shared, work, { recursive: true, filter: (src) => !src.includes('node_modules') });
const bench = join(work, 'bench.sh');
const port = process.env.WARDEN_BENCH_PORT ?? '18080';
// WARDEN_BENCH_CONFIG=examples/bench-core.yaml measures the core hop without the audit trail.
const config = resolve(root, process.env.WARDEN_BENCH_CONFIG ?? 'examples/bench.yaml');
const node = process.env.npm_node_execpath || process.execPath;
const env = {
  ...process.env,
  GATEWAY_CMD: `${node} ${join(root, 'bin/warden.js')} start --config ${config} --port ${port}`,
  TARGET_TOOL: 'bench__fetch_doc',
  TARGET_INIT: '1',
};
const r = spawnSync('bash', [bench, `http://127.0.0.1:${port}/mcp`], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
