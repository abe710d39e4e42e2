/**
 * Permission creep (issue 8): for each agent, which granted tools were never called in the
 * window, which were called rarely, and a smaller role that covers what it actually used.
 *
 * Grants come from the policy module (agent → exposed tool names it can see) and call counts
 * from the audit store; both are passed in so this module depends on neither.
 */
import { stringify } from 'yaml';

/** Calls per agent and exposed tool since a time, as the audit store counts them. */
export interface CallCount {
  readonly agent: string;
  readonly tool: string;
  readonly calls: number;
}

export interface GrantsReportInput {
  /** Agent id → exposed tool names it is granted (what its tools/list shows). */
  readonly grants: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;
  /** Counts of allowed calls since `sinceMs` (epoch ms). */
  readonly countCalls: (sinceMs: number) => readonly CallCount[];
  /** Window in days (default 30). */
  readonly days?: number;
  /** Now, epoch ms (injected for tests). */
  readonly now?: number;
  /** A tool with at most this many calls in the window is "rare" (default 2). */
  readonly rareAtMost?: number;
  /** Separator between server prefix and tool name in exposed names (default `__`). */
  readonly separator?: string;
}

export interface AgentGrantsReport {
  readonly agent: string;
  readonly granted: number;
  readonly used: ReadonlyArray<{ tool: string; calls: number }>;
  readonly neverCalled: readonly string[];
  readonly rare: ReadonlyArray<{ tool: string; calls: number }>;
  /** Calls counted for tools the agent is not (or no longer) granted. */
  readonly calledButNotGranted: readonly string[];
  /** A role granting only what was used, as a YAML snippet for the policy file. */
  readonly suggestedRole: string;
}

export interface GrantsReport {
  readonly days: number;
  readonly since: number;
  readonly agents: readonly AgentGrantsReport[];
}

const DAY = 86_400_000;

/** Builds the report. Pure apart from `countCalls`. */
export function buildGrantsReport(input: GrantsReportInput): GrantsReport {
  const days = input.days ?? 30;
  const now = input.now ?? Date.now();
  const since = now - days * DAY;
  const rareAtMost = input.rareAtMost ?? 2;
  const sep = input.separator ?? '__';
  const grants: Map<string, readonly string[]> =
    input.grants instanceof Map ? new Map(input.grants) : new Map(Object.entries(input.grants as Record<string, readonly string[]>));

  const counts = new Map<string, Map<string, number>>();
  for (const c of input.countCalls(since)) {
    if (!Number.isFinite(c.calls) || c.calls <= 0) continue;
    const m = counts.get(c.agent) ?? new Map<string, number>();
    m.set(c.tool, (m.get(c.tool) ?? 0) + c.calls);
    counts.set(c.agent, m);
  }

  const agents: AgentGrantsReport[] = [];
  for (const agent of [...new Set([...grants.keys(), ...counts.keys()])].sort()) {
    const granted = [...new Set(grants.get(agent) ?? [])].sort();
    const calls = counts.get(agent) ?? new Map<string, number>();
    const used = granted.filter((t) => (calls.get(t) ?? 0) > 0).map((t) => ({ tool: t, calls: calls.get(t)! }));
    const neverCalled = granted.filter((t) => !calls.has(t));
    const rare = used.filter((u) => u.calls <= rareAtMost);
    const grantedSet = new Set(granted);
    const calledButNotGranted = [...calls.keys()].filter((t) => !grantedSet.has(t)).sort();

    // Group used tools by server prefix so the snippet reads like the policy file.
    const byServer = new Map<string, string[]>();
    for (const u of used) {
      const i = u.tool.indexOf(sep);
      const server = i > 0 ? u.tool.slice(0, i) : '*';
      const name = i > 0 ? u.tool.slice(i + sep.length) : u.tool;
      byServer.set(server, [...(byServer.get(server) ?? []), name]);
    }
    const role = `${agent}-least-privilege`;
    const suggestedRole = used.length
      ? stringify({
          roles: { [role]: { allow: [...byServer].map(([server, tools]) => ({ server, tools })) } },
          agents: { [agent]: { roles: [role] } },
        })
      : `# ${agent} called nothing in ${days} days: consider removing its roles\nagents:\n  ${JSON.stringify(agent)}: { roles: [] }\n`;
    agents.push({ agent, granted: granted.length, used, neverCalled, rare, calledButNotGranted, suggestedRole });
  }
  return { days, since, agents };
}

/** Plain-text rendering for `warden report grants`. */
export function formatGrantsReport(r: GrantsReport): string {
  const lines: string[] = [`Grants report: last ${r.days} days (since ${new Date(r.since).toISOString()})`, ''];
  if (!r.agents.length) lines.push('No agents with grants or calls.');
  for (const a of r.agents) {
    lines.push(`agent ${a.agent}: ${a.granted} granted, ${a.used.length} used, ${a.neverCalled.length} never called, ${a.rare.length} rare`);
    if (a.neverCalled.length) lines.push(`  never called: ${a.neverCalled.join(', ')}`);
    if (a.rare.length) lines.push(`  called rarely: ${a.rare.map((x) => `${x.tool} (${x.calls})`).join(', ')}`);
    if (a.calledButNotGranted.length) lines.push(`  called but not granted now: ${a.calledButNotGranted.join(', ')}`);
    if (a.neverCalled.length || a.granted === 0) {
      lines.push('  suggested role:');
      for (const l of a.suggestedRole.trimEnd().split('\n')) lines.push(`    ${l}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
