/**
 * Benchmark for issue 3: authentication (cached key: HS256, ES256, EdDSA, API key) and
 * authorization (decideCall with 50 roles and 500 tools, plain and CEL-conditioned), reported
 * separately. Run: `node --import tsx scripts/bench-auth.ts`.
 */
import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { authConfigSchema, createApiKeyStore, createAuthenticator } from '../src/auth/index.ts';
import { compilePolicy, policyConfigSchema, type CatalogTool } from '../src/policy/index.ts';
import type { AgentIdentity } from '../src/pipeline/types.ts';

const SECRET = 'bench-hmac-secret-that-is-long-enough-0123456789';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

async function bench(name: string, n: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(2000, n); i++) await fn(); // warm-up (JIT, jose's CryptoKey cache)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`${name.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/op  (${n} ops)`);
  return us;
}

function benchSync(name: string, n: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(5000, n); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`${name.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/op  (${n} ops)`);
  return us;
}

// --- authentication ---
const db = new Database(':memory:');
const auth = createAuthenticator(
  authConfigSchema.parse({
    signing: { enabled: false },
    jwt: [
      { issuer: 'hs', audience: 'warden', keys: [{ algorithms: ['HS256'], secret: SECRET }] },
      { issuer: 'es', audience: 'warden', keys: [{ algorithms: ['ES256'], jwk: ec.publicKey.export({ format: 'jwk' }) as Record<string, unknown> }] },
      { issuer: 'ed', audience: 'warden', keys: [{ algorithms: ['EdDSA'], jwk: ed.publicKey.export({ format: 'jwk' }) as Record<string, unknown> }] },
    ],
  }),
  { db, rolesFor: () => ['role-1', 'role-2', 'role-3'] },
);
const exp = Math.floor(Date.now() / 1000) + 3600;
const mk = (iss: string, alg: string, key: unknown) => new SignJWT({ scope: 'mcp' }).setProtectedHeader({ alg }).setIssuer(iss).setAudience('warden').setSubject('bot').setExpirationTime(exp).sign(key as never);
const hs = await mk('hs', 'HS256', new TextEncoder().encode(SECRET));
const es = await mk('es', 'ES256', ec.privateKey);
const edt = await mk('ed', 'EdDSA', ed.privateKey);
const apiKey = createApiKeyStore(db).create('bot').key;
const req = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
const rHs = req(hs), rEs = req(es), rEd = req(edt), rKey = req(apiKey);
for (const r of [rHs, rEs, rEd, rKey]) {
  const res = await auth.authenticate(r);
  if (!res.ok) throw new Error(`bench setup: ${res.reason}`);
}

const noCache = createAuthenticator(
  authConfigSchema.parse({
    signing: { enabled: false }, tokenCacheSec: 0,
    jwt: [
      { issuer: 'hs', audience: 'warden', keys: [{ algorithms: ['HS256'], secret: SECRET }] },
      { issuer: 'es', audience: 'warden', keys: [{ algorithms: ['ES256'], jwk: ec.publicKey.export({ format: 'jwk' }) as Record<string, unknown> }] },
    ],
  }),
  { rolesFor: () => ['role-1'] },
);
console.log('authentication, first sight of a token (cached keys, full jose signature check via WebCrypto):');
await bench('  authenticate HS256 JWT, token cache off', 5_000, () => noCache.authenticate(rHs));
await bench('  authenticate ES256 JWT, token cache off', 3_000, () => noCache.authenticate(rEs));
console.log('authentication, token seen before (verified-token cache; exp/nbf re-checked):');
const aHs = await bench('  authenticate HS256 JWT', 20_000, () => auth.authenticate(rHs));
const aEs = await bench('  authenticate ES256 JWT', 5_000, () => auth.authenticate(rEs));
await bench('  authenticate EdDSA JWT', 5_000, () => auth.authenticate(rEd));
const aKey = await bench('  authenticate API key (sha256 + map lookup)', 50_000, () => auth.authenticate(rKey));

// --- authorization: 50 roles, 500 tools ---
const servers = Array.from({ length: 10 }, (_, i) => `srv${i}`);
const catalog: CatalogTool[] = [];
for (const s of servers) for (let t = 0; t < 50; t++) catalog.push({ server: s, name: `tool_${t}`, exposed: `${s}__tool_${t}` });
const roles: Record<string, unknown> = {};
for (let r = 0; r < 50; r++) {
  roles[`role-${r}`] = {
    allow: [
      { server: servers[r % 10], tools: [`tool_${r % 50}`, `tool_1*`, 'get_*'] },
      { server: servers[(r + 3) % 10], tools: ['tool_2?'], when: 'args.channel.startsWith("#support-") && args.amount < 100' },
    ],
    deny: [{ server: servers[(r + 5) % 10], tools: ['tool_4*'] }],
  };
}
const policy = compilePolicy(policyConfigSchema.parse({ roles, agents: { bot: { roles: ['role-1', 'role-2', 'role-3'] } } }), catalog);
const agent: AgentIdentity = { id: 'bot', roles: ['role-3', 'role-1', 'role-2'], via: 'jwt', scopes: [] };
const visible = policy.view(agent, 'default');
const plain = visible.tools.find((t) => t.startsWith('srv1__tool_1'))!;
const conditional = 'srv4__tool_20';
const args = { channel: '#support-eu', amount: 42, text: 'hello' };
if (!policy.decideCall(agent, 'default', plain, args).allow) throw new Error('bench setup: plain');
if (!policy.decideCall(agent, 'default', conditional, args).allow) throw new Error('bench setup: conditional');

console.log(`authorization (50 roles, ${catalog.length} tools; agent has 3 roles, sees ${visible.tools.length}):`);
const zPlain = benchSync('  decideCall, unconditional grant', 500_000, () => policy.decideCall(agent, 'default', plain, args));
const zCel = benchSync('  decideCall, CEL-conditioned grant (2 clauses)', 200_000, () => policy.decideCall(agent, 'default', conditional, args));
benchSync('  decideCall, hidden tool (UNKNOWN_TOOL)', 500_000, () => policy.decideCall(agent, 'default', 'srv9__tool_49', args));
benchSync('  view() (tools/list), cached', 500_000, () => policy.view(agent, 'default'));
const t0 = process.hrtime.bigint();
const cold = compilePolicy(policyConfigSchema.parse({ roles }), catalog);
cold.view(agent, 'default');
console.log(`  compile policy + first view (load time)                    ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);

console.log('totals per call (auth + authz), target ≤ 20 µs:');
for (const [n, a] of [['HS256', aHs], ['ES256', aEs], ['API key', aKey]] as const) {
  console.log(`  ${n.padEnd(8)} + plain grant ${(a + zPlain).toFixed(2)} µs;  + CEL grant ${(a + zCel).toFixed(2)} µs`);
}
