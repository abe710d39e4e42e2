/**
 * Config drift: compares a reviewed baseline of a server's effective configuration with the
 * current one and says which changes weaken a control (mcp-defense-bench config-drift). Any
 * difference is drift; the ones below are called out as weakening:
 * - a strict word replaced by a loose one (`required` → `optional`, `strict` → `off`, …);
 * - a security switch turned off (`tls`, `verify`, `auth`, `enforce`… from true to false);
 * - an allow-list that grew, above all by a wildcard; a deny-list that shrank;
 * - an `https:`/`wss:` URL downgraded to `http:`/`ws:`;
 * - a security key removed.
 */
import type { Severity } from '../guardrails/types.ts';

export interface DriftFinding {
  readonly path: string;
  readonly severity: Severity;
  /** `weakened` names a loosened control; `changed` is any other difference. */
  readonly kind: 'weakened' | 'changed';
  readonly message: string;
}

const STRICT = new Set(['required', 'require', 'strict', 'enforce', 'enforced', 'on', 'enabled', 'deny', 'block', 'always', 'verify-full', 'mandatory']);
const LOOSE = new Set(['optional', 'prefer', 'preferred', 'off', 'disabled', 'none', 'allow', 'permissive', 'never', 'disable', 'warn', 'audit', 'alert']);
const SECURITY_KEY = /tls|ssl|verify|secure|auth|required|enforce|strict|sign|encrypt|pin|check|validate|csrf|cors|sandbox|readonly|read_only/i;
const ALLOW_KEY = /allow|hosts|origins|scopes|domains|roots|paths|tools|permissions|grants|cidrs|ips/i;
const DENY_KEY = /deny|block|forbid|exclude|disallow/i;

function walk(base: unknown, cur: unknown, path: string, out: DriftFinding[], depth: number): void {
  if (depth > 32) return;
  const key = path.split('.').pop() ?? path;
  if (Array.isArray(base) && Array.isArray(cur)) {
    const b = new Set(base.map((x) => JSON.stringify(x)));
    const c = new Set(cur.map((x) => JSON.stringify(x)));
    const added = [...c].filter((x) => !b.has(x));
    const removed = [...b].filter((x) => !c.has(x));
    if (!added.length && !removed.length) return;
    if (ALLOW_KEY.test(key) && added.length) {
      const wild = added.some((x) => /^"\*|\*"$|^"0\.0\.0\.0\/0"$|^"::\/0"$/.test(x));
      out.push({ path, severity: wild ? 'high' : 'medium', kind: 'weakened', message: `allow-list widened by ${added.join(', ')}${wild ? ' (wildcard)' : ''}` });
    } else if (DENY_KEY.test(key) && removed.length) {
      out.push({ path, severity: 'medium', kind: 'weakened', message: `deny-list lost ${removed.join(', ')}` });
    } else {
      out.push({ path, severity: 'low', kind: 'changed', message: `list changed (+${added.length} −${removed.length})` });
    }
    return;
  }
  if (base && cur && typeof base === 'object' && typeof cur === 'object' && !Array.isArray(base) && !Array.isArray(cur)) {
    const b = base as Record<string, unknown>;
    const c = cur as Record<string, unknown>;
    for (const k of new Set([...Object.keys(b), ...Object.keys(c)])) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in c)) {
        out.push({ path: p, severity: SECURITY_KEY.test(k) ? 'medium' : 'low', kind: SECURITY_KEY.test(k) ? 'weakened' : 'changed', message: 'removed' });
      } else if (!(k in b)) {
        out.push({ path: p, severity: 'low', kind: 'changed', message: 'added' });
      } else walk(b[k], c[k], p, out, depth + 1);
    }
    return;
  }
  if (JSON.stringify(base) === JSON.stringify(cur)) return;
  if (typeof base === 'string' && typeof cur === 'string') {
    if (STRICT.has(base.toLowerCase()) && LOOSE.has(cur.toLowerCase())) {
      out.push({ path, severity: 'high', kind: 'weakened', message: `loosened from "${base}" to "${cur}"` });
      return;
    }
    if (/^(https|wss):/i.test(base) && /^(http|ws):/i.test(cur)) {
      out.push({ path, severity: 'high', kind: 'weakened', message: 'URL downgraded to plaintext' });
      return;
    }
  }
  if (base === true && cur === false && SECURITY_KEY.test(key)) {
    out.push({ path, severity: 'high', kind: 'weakened', message: 'security switch turned off' });
    return;
  }
  out.push({ path, severity: 'low', kind: 'changed', message: 'value changed' });
}

/** Differences between a reviewed baseline and the current config; empty when identical. Never throws. */
export function detectConfigDrift(baseline: unknown, current: unknown): DriftFinding[] {
  const out: DriftFinding[] = [];
  try {
    walk(baseline, current, '', out, 0);
  } catch {
    out.push({ path: '', severity: 'high', kind: 'changed', message: 'config could not be compared' });
  }
  return out;
}
