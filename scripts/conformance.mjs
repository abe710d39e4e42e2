#!/usr/bin/env node
// `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance,
// server mode, run with the Node 22 binary from the `node` devDependency) against
//   (a) an upstream directly, and
//   (b) Warden fronting that upstream (over Streamable HTTP and as a stdio child),
// for two upstreams: the project's fixture server (test/fixtures/conformance-server.ts) and
// @modelcontextprotocol/server-everything. It compares the results scenario by scenario and exits
// non-zero when Warden loses a scenario the upstream passes directly (or the fixture fails one).
//
//   node scripts/conformance.mjs [--only fixture|everything] [--direct-only] [--upstream http|stdio|both]
//                                [--suite active|all] [--prefix P|omit] [--timeout-ms N] [--json FILE]
//                                [--keep] [--verbose]
//
// Everything listens on 127.0.0.1; every child is started in its own process group and killed on
// exit; every wait has a deadline. Docs: docs/conformance.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
// The project's runtime (Node 20), not Node 22: under `npm run`, node_modules/.bin/node (Node 22,
// from the `node` devDependency) is first on PATH, and Warden's native modules are built for the
// Node that npm itself runs on.
const PROJECT_NODE = process.env.npm_node_execpath || process.execPath;
const NODE22 = join(ROOT, 'tools/conformance/node_modules/node/bin/node');
const SUITE_CLI = join(ROOT, 'tools/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const FIXTURE = join(ROOT, 'test/fixtures/conformance-server.ts');
const RUN_TS = join(ROOT, 'bin/run-ts.js');
const WARDEN = join(ROOT, 'bin/warden.js');
const LOOPBACK = join(ROOT, 'test/fixtures/conformance/loopback-only.mjs');
const STARTUP_MS = 30_000;

// ---------- arguments ----------
function parseArgs(argv) {
  const o = { only: null, prefix: '', direct: true, warden: true, upstream: 'both', suite: 'active', timeoutMs: 120_000, json: null, keep: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--only') o.only = next();
    else if (a === '--direct-only') o.warden = false;
    else if (a === '--upstream') o.upstream = next();
    else if (a === '--suite') o.suite = next();
    else if (a === '--prefix') o.prefix = next();
    else if (a === '--timeout-ms') o.timeoutMs = Number(next());
    else if (a === '--json') o.json = resolve(next());
    else if (a === '--keep') o.keep = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '-h' || a === '--help') { console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 16).join('\n')); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.only && !['fixture', 'everything'].includes(o.only)) throw new Error('--only takes fixture or everything');
  if (!['http', 'stdio', 'both'].includes(o.upstream)) throw new Error('--upstream takes http, stdio or both');
  if (!['active', 'all'].includes(o.suite)) throw new Error('--suite takes active or all');
  if (!(o.timeoutMs > 0)) throw new Error('--timeout-ms must be positive');
  return o;
}

// ---------- processes (own process group each, all killed on exit) ----------
const children = new Set();
function start(name, cmd, args, { env = process.env, logDir, cwd = ROOT } = {}) {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(logDir, `${name}.log`));
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  // 'close' (not 'exit'): stdout and stderr are drained; then wait until the log file is written,
  // so whoever reads it next sees the whole output (the suite's summary comes last).
  child.exited = new Promise((res) => child.once('close', (code, signal) => { children.delete(child); log.end(() => res({ code, signal })); }));
  child.once('error', () => {});
  children.add(child);
  child.logFile = join(logDir, `${name}.log`);
  return child;
}
function killGroup(child, signal) { try { process.kill(-child.pid, signal); } catch { /* already gone */ } }
async function stop(child) {
  if (!children.has(child)) return;
  killGroup(child, 'SIGTERM');
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await child.exited;
  clearTimeout(t);
  killGroup(child, 'SIGKILL'); // grandchildren (Warden's stdio upstreams) that outlived their parent
}
function killAll() { for (const c of children) { killGroup(c, 'SIGKILL'); } }
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => { killAll(); process.exit(130); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tail = (file, n = 15) => { try { return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n'); } catch { return ''; } };

async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/** Resolves when `probe()` is truthy; rejects at the deadline or when `child` exits first. */
async function waitFor(what, child, probe, ms = STARTUP_MS) {
  const deadline = Date.now() + ms;
  let exited = null;
  child.exited.then((e) => { exited = e; });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited (${exited.code ?? exited.signal}) before it was ready:\n${tail(child.logFile)}`);
    if (await probe().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${what} not ready within ${ms} ms:\n${tail(child.logFile)}`);
}
const httpOk = (url) => async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
const accepts = (url) => async () => { await fetch(url, { signal: AbortSignal.timeout(1000) }); return true; };

// ---------- the servers ----------
async function startFixture(logDir) {
  const child = start('fixture', PROJECT_NODE, [RUN_TS, FIXTURE, '--port', '0'], { logDir });
  let url = null;
  child.stdout.on('data', (d) => { const m = /listening (\S+)/.exec(String(d)); if (m) url = m[1]; });
  await waitFor('fixture server', child, async () => url !== null);
  return { child, url };
}
async function startEverything(logDir) {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port) };
  const child = start('everything', PROJECT_NODE, ['--import', LOOPBACK, EVERYTHING, 'streamableHttp'], { env, logDir });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitFor('server-everything', child, accepts(url));
  return { child, url };
}
function upstreamYaml(target, kind, url, prefix) {
  const pre = prefix === 'omit' ? '' : `, prefix: ${JSON.stringify(prefix)}`;
  if (kind === 'http') return `{ url: ${JSON.stringify(url)}${pre} }`;
  const command = target === 'fixture'
    ? [PROJECT_NODE, RUN_TS, FIXTURE, '--stdio'] : [PROJECT_NODE, EVERYTHING, 'stdio'];
  return `{ command: ${JSON.stringify(command)}, cwd: ${JSON.stringify(ROOT)}${pre} }`;
}
/** Writes a one-upstream Warden config and starts Warden on a free loopback port. */
async function startWarden(target, kind, upstreamUrl, dir, prefix) {
  const port = await freePort();
  const config = join(dir, `warden-${target}-${kind}.yaml`);
  // Single upstream, empty prefix: the suite calls the fixture's own tool names.
  writeFileSync(config, [
    '# generated by scripts/conformance.mjs',
    'server: { host: 127.0.0.1, port: 0 }',
    'servers:',
    `  ${target === 'fixture' ? 'conformance' : target}: ${upstreamYaml(target, kind, upstreamUrl, prefix)}`,
    '',
  ].join('\n'));
  const child = start(`warden-${target}-${kind}`, PROJECT_NODE, [WARDEN, 'start', '--config', config, '--port', String(port)], { logDir: dir });
  await waitFor(`Warden (${target}, ${kind} upstream)`, child, httpOk(`http://127.0.0.1:${port}/readyz`));
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

// ---------- the suite ----------
/** Runs the suite against `url`; returns Map scenario -> { pass, passed, failed, failures[] }. */
async function runSuite(label, url, opts, dir) {
  const out = join(dir, `results-${label.replace(/\W+/g, '-')}`);
  const child = start(`suite-${label.replace(/\W+/g, '-')}`, NODE22, [SUITE_CLI, 'server', '--url', url, '--suite', opts.suite, '-o', out], { logDir: dir });
  if (opts.verbose) child.stdout.on('data', (d) => process.stdout.write(d));
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), opts.timeoutMs);
  const { signal } = await child.exited;
  clearTimeout(timer);
  if (signal === 'SIGKILL') throw new Error(`suite against ${label} timed out after ${opts.timeoutMs} ms`);
  const stdout = readFileSync(child.logFile, 'utf8');
  const results = new Map();
  for (const m of stdout.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu)) {
    results.set(m[1], { pass: m[3] === '0', passed: Number(m[2]), failed: Number(m[3]), failures: [] });
  }
  if (results.size === 0) throw new Error(`suite against ${label} printed no summary:\n${tail(child.logFile)}`);
  for (const d of existsSync(out) ? readdirSync(out) : []) {
    const name = d.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, '');
    const r = results.get(name);
    if (!r) continue;
    for (const c of JSON.parse(readFileSync(join(out, d, 'checks.json'), 'utf8'))) {
      if (c.status === 'FAILURE') r.failures.push(`${c.id}: ${c.errorMessage ?? c.description}`);
    }
  }
  return results;
}

// ---------- main ----------
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const [what, p] of [['Node 22 (devDependency "node")', NODE22], ['@modelcontextprotocol/conformance', SUITE_CLI]]) {
    if (!existsSync(p)) throw new Error(`${what} is not installed (${p}); run npm install`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'warden-conformance-'));
  const t0 = Date.now();
  const targets = (opts.only ? [opts.only] : ['fixture', 'everything']);
  const kinds = opts.upstream === 'both' ? ['http', 'stdio'] : [opts.upstream];
  const legs = []; // { target, via, results?: Map, error?: string }

  for (const target of targets) {
    let upstream;
    try {
      upstream = target === 'fixture' ? await startFixture(dir) : await startEverything(dir);
    } catch (e) {
      legs.push({ target, via: 'direct', error: e.message });
      continue;
    }
    const direct = { target, via: 'direct' };
    legs.push(direct);
    try { direct.results = await runSuite(`${target}-direct`, upstream.url, opts, dir); } catch (e) { direct.error = e.message; }
    process.stdout.write(`ran ${target} direct (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    if (opts.warden) {
      for (const kind of kinds) {
        const leg = { target, via: `warden/${kind}` };
        legs.push(leg);
        let warden;
        try {
          warden = await startWarden(target, kind, upstream.url, dir, opts.prefix);
          leg.results = await runSuite(`${target}-warden-${kind}`, warden.url, opts, dir);
        } catch (e) { leg.error = e.message; }
        if (warden) await stop(warden.child);
        process.stdout.write(`ran ${target} through Warden, ${kind} upstream (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      }
    }
    await stop(upstream.child);
  }

  const verdict = report(legs, opts);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ suite: opts.suite, legs: legs.map((l) => ({ ...l, results: l.results && Object.fromEntries(l.results) })), ...verdict }, null, 2));
  console.log(`\nlogs and raw results: ${opts.keep || verdict.failed ? dir : '(removed; --keep to retain)'}`);
  console.log(`took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (!opts.keep && !verdict.failed) rmSync(dir, { recursive: true, force: true });
  console.log(`${verdict.passed} passed, ${verdict.failed} failed`);
  return verdict.failed === 0 ? 0 : 1;
}

/**
 * The gate. Every fixture scenario must pass directly; every Warden scenario must pass when the
 * same upstream passes it directly (server-everything's own direct failures are its baseline, not
 * a gate); a leg that could not run at all fails.
 */
function gate(legs) {
  let passed = 0; let failed = 0; const problems = [];
  const fail = (msg) => { failed++; problems.push(msg); };
  for (const l of legs) {
    const name = `${l.target} ${l.via}`;
    if (!l.results) { fail(`${name}: did not run: ${l.error ?? 'unknown error'}`); continue; }
    if (l.via === 'direct') {
      if (l.target !== 'fixture') continue;
      for (const [n, r] of l.results) r.pass ? passed++ : fail(`${name} / ${n}: ${r.failures.join('; ') || 'failed'}`);
      continue;
    }
    const direct = legs.find((d) => d.target === l.target && d.via === 'direct')?.results;
    if (!direct) { fail(`${name}: no direct baseline to compare with`); continue; }
    for (const [n, d] of direct) {
      if (!d.pass) continue;
      const r = l.results.get(n);
      r?.pass ? passed++ : fail(`${name} / ${n}: ${r ? r.failures.join('; ') || 'failed' : 'not run'}`);
    }
  }
  return { passed, failed, problems };
}

/** Prints the per-scenario table, per-leg totals and the gate's problems. */
function report(legs, opts) {
  const names = [];
  for (const l of legs) for (const n of l.results?.keys() ?? []) if (!names.includes(n)) names.push(n);
  const col = (l) => `${l.target} ${l.via}`;
  const cell = (l, n) => {
    const r = l.results?.get(n);
    if (!r) return l.results ? '-' : 'ERROR';
    if (l.via === 'direct') return r.pass ? 'pass' : l.target === 'fixture' ? 'FAIL' : 'fail';
    const d = legs.find((x) => x.target === l.target && x.via === 'direct')?.results?.get(n);
    if (r.pass) return d && !d.pass ? 'pass+' : 'pass';
    return d?.pass ? 'LOST' : 'fail';
  };
  const w = Math.max(8, ...names.map((n) => n.length)) + 2;
  const cw = legs.map((l) => Math.max(col(l).length, 6) + 2);
  console.log(`\nconformance suite: ${opts.suite} server scenarios (@modelcontextprotocol/conformance 0.1.x)\n`);
  console.log('scenario'.padEnd(w) + legs.map((l, i) => col(l).padEnd(cw[i])).join(''));
  for (const n of names) console.log(n.padEnd(w) + legs.map((l, i) => cell(l, n).padEnd(cw[i])).join(''));
  console.log('\npass | fail = fails directly too (upstream baseline) | FAIL = the fixture fails directly | LOST = Warden loses a');
  console.log('scenario the upstream passes directly | pass+ = passes only through Warden | ERROR = the leg did not run\n');
  for (const l of legs) {
    if (!l.results) { console.log(`${col(l).padEnd(26)} did not run`); continue; }
    const rs = [...l.results.values()];
    const ok = rs.reduce((a, r) => a + r.passed, 0);
    const all = rs.reduce((a, r) => a + r.passed + r.failed, 0);
    console.log(`${col(l).padEnd(26)} ${rs.filter((r) => r.pass).length}/${rs.length} scenarios pass, ${ok}/${all} checks`);
  }
  const verdict = gate(legs);
  if (verdict.problems.length) {
    console.log(`\nproblems:\n${verdict.problems.map((p) => `  - ${p.split('\n').join('\n    ')}`).join('\n')}`);
  }
  return verdict;
}

main().then((code) => { process.exitCode = code; killAll(); }, (e) => {
  console.error(`conformance: ${e.message}`);
  console.log('0 passed, 1 failed');
  killAll();
  process.exitCode = 1;
});
