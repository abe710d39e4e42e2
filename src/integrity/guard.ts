/**
 * The integrity guard: the registry calls `review(server, tools)` every time an upstream's tool
 * list is (re)loaded and serves only `allowed`. First sight pins the definition (trust on first
 * use) after a poisoning scan; a later different definition (a rug pull, or mid-session tool
 * re-framing) is handled by the server's `onChange` policy:
 * - `quarantine` (default): the changed tool is hidden until `approve()`;
 * - `alert`: the new definition is served and re-pinned, and an event reports the diff;
 * - `block_server`: every tool of the server is hidden until `approve(server)`.
 * Every transition emits one event (the lead maps them to audit admin records); reloading an
 * unchanged list emits nothing.
 */
import type { Database } from 'better-sqlite3';
import { canonicalJson, pinnedPart, prettyCanonical, toolHash, type ToolLike } from './canonical.ts';
import { integrityConfigSchema, type ChangePolicy, type IntegrityConfig, type IntegrityConfigInput } from './config.ts';
import { lineDiff } from './diff.ts';
import { createPinStore, type PinRecord, type PinStore } from './pins.ts';
import { createPoisoningScanner, SEVERITY_RANK, type ToolFinding } from './poisoning.ts';

/** What the audit log hears about. `at` is epoch milliseconds. */
export interface IntegrityEvent {
  readonly type:
    | 'integrity.tool_pinned'
    | 'integrity.tool_changed'
    | 'integrity.tool_quarantined'
    | 'integrity.server_blocked'
    | 'integrity.tool_approved'
    | 'integrity.scan_warning';
  readonly server: string;
  readonly tool?: string;
  readonly hash?: string;
  readonly previousHash?: string;
  /** Old vs new definition, for changes. */
  readonly diff?: string;
  readonly reasons?: readonly string[];
  readonly findings?: readonly ToolFinding[];
  readonly by?: string;
  readonly at: number;
}

export interface QuarantinedTool<T extends ToolLike> {
  /** The definition the upstream serves now (not shown to agents). */
  readonly tool: T;
  /** Old vs new definition, `''` when there is no approved baseline (quarantined at first sight). */
  readonly diff: string;
  readonly reasons: readonly string[];
  readonly findings: readonly ToolFinding[];
}

export interface ReviewResult<T extends ToolLike> {
  readonly allowed: T[];
  readonly quarantined: QuarantinedTool<T>[];
}

export interface IntegrityGuard {
  review<T extends ToolLike>(server: string, tools: readonly T[]): ReviewResult<T>;
  /** Approves quarantined tools of `server` (all, or one): their current definition becomes the pin. */
  approve(server: string, tool: string | undefined, by: string): PinRecord[];
  /** Pins these definitions as approved, whatever was stored (`warden servers pin`). */
  pin(server: string, tools: readonly ToolLike[], by: string): PinRecord[];
  list(server?: string): PinRecord[];
  /** Cheap check for the call path: false when the tool (or its server) is quarantined. */
  isServed(server: string, tool: string): boolean;
  readonly store: PinStore;
}

export interface IntegrityGuardOptions {
  readonly db: Database;
  /** The `integrity` config section (validated here if raw). */
  readonly config?: IntegrityConfig | IntegrityConfigInput;
  /** Clock, injected for tests. */
  readonly now?: () => number;
  readonly onEvent?: (e: IntegrityEvent) => void;
}

/** Builds the guard: prepares the store and the scanner once. */
export function createIntegrityGuard(opts: IntegrityGuardOptions): IntegrityGuard {
  const config: IntegrityConfig = integrityConfigSchema.parse(opts.config ?? {});
  const now = opts.now ?? Date.now;
  const emit = (e: IntegrityEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A failing listener must not undo a quarantine decision already stored.
    }
  };
  const store = createPinStore(opts.db);
  const scanner = createPoisoningScanner({ maxDescriptionLength: config.scan.maxDescriptionLength });
  const blockedTools = new Set<string>();
  const blockedServers = new Set<string>();
  const namesByServer = new Map<string, Set<string>>();
  const key = (s: string, t: string): string => `${s}\u0000${t}`;

  const policyOf = (server: string): ChangePolicy => config.servers[server]?.onChange ?? config.onChange;
  const scanOf = (server: string) => ({
    action: config.servers[server]?.scan?.action ?? config.scan.action,
    threshold: config.servers[server]?.scan?.threshold ?? config.scan.threshold,
  });
  const suppressed = (server: string, tool: string, rule: string): boolean =>
    config.suppress.some((s) => s.server === server && (s.tool === undefined || s.tool === tool) && s.rule === rule);

  /** Splits findings into those that enforce (per policy) and warnings. */
  function judge(server: string, tool: string, findings: ToolFinding[]): { blocking: ToolFinding[]; warnings: ToolFinding[] } {
    const { action, threshold } = scanOf(server);
    const kept = findings.filter((f) => !suppressed(server, tool, f.rule));
    if (action === 'off') return { blocking: [], warnings: [] };
    const high = kept.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
    const low = kept.filter((f) => SEVERITY_RANK[f.severity] < SEVERITY_RANK[threshold]);
    return action === 'quarantine' ? { blocking: high, warnings: low } : { blocking: [], warnings: kept };
  }

  const reasonsOf = (fs: readonly ToolFinding[]): string[] => fs.map((f) => `poisoning: ${f.rule} in ${f.field} (${f.severity})`);

  function review<T extends ToolLike>(server: string, tools: readonly T[]): ReviewResult<T> {
    const at = now();
    const policy = policyOf(server);
    // Names other upstreams serve (as far as this guard has seen): naming one is a cross-server reach.
    const foreign = new Set<string>();
    for (const [s, names] of namesByServer) if (s !== server) for (const n of names) foreign.add(n);
    namesByServer.set(server, new Set(tools.map((t) => t.name)));
    const scans = scanner.scanServer(tools, { foreignTools: foreign });
    const hadPins = store.list(server).length > 0;
    const allowed: T[] = [];
    const quarantined: QuarantinedTool<T>[] = [];
    let blockServer = false;

    store.tx(() => {
      for (const tool of tools) {
        const hash = toolHash(tool, config.pinMeta);
        const def = canonicalJson(pinnedPart(tool, config.pinMeta));
        const pin = store.get(server, tool.name);
        const { blocking, warnings } = judge(server, tool.name, scans.get(tool.name) ?? []);

        if (!pin) {
          const reasons = reasonsOf(blocking);
          if (hadPins && (config.servers[server]?.onNewTool ?? config.onNewTool) === 'quarantine') reasons.push('new tool on an already pinned server');
          const status = reasons.length ? 'quarantined' : 'pinned';
          store.put({
            server, tool: tool.name, hash, definition: def, status, firstSeen: at,
            approvedBy: status === 'pinned' ? 'tofu' : null, approvedAt: status === 'pinned' ? at : null,
            pendingHash: null, pendingDefinition: null, reasons, updatedAt: at,
          });
          if (status === 'pinned') {
            allowed.push(tool);
            emit({ type: 'integrity.tool_pinned', server, tool: tool.name, hash, at, ...(warnings.length ? { findings: warnings } : {}) });
          } else {
            quarantined.push({ tool, diff: '', reasons, findings: blocking });
            emit({ type: 'integrity.tool_quarantined', server, tool: tool.name, hash, reasons, findings: blocking, at });
          }
          continue;
        }

        if (pin.hash === hash && pin.pendingHash === null) {
          // Unchanged since approval (or still the same first-sight definition awaiting approval).
          if (pin.status === 'pinned') allowed.push(tool);
          else quarantined.push({ tool, diff: '', reasons: pin.reasons, findings: blocking });
          continue;
        }
        if (pin.hash === hash) {
          // The upstream went back to the approved definition: drop the pending change.
          store.put({ ...pin, status: 'pinned', pendingHash: null, pendingDefinition: null, reasons: [], updatedAt: at });
          allowed.push(tool);
          continue;
        }

        // Changed definition.
        const diff = lineDiff(prettyCanonical(JSON.parse(pin.definition)), prettyCanonical(JSON.parse(def)));
        const reasons = ['definition changed since it was pinned', ...reasonsOf(blocking)];
        if (pin.pendingHash === hash) {
          // Already quarantined for this very definition: no new event.
          quarantined.push({ tool, diff, reasons: pin.reasons, findings: blocking });
          if (policy === 'block_server') blockServer = true;
          continue;
        }
        if (policy === 'alert' && blocking.length === 0) {
          store.put({ ...pin, hash, definition: def, status: 'pinned', approvedBy: 'alert-policy', approvedAt: at, pendingHash: null, pendingDefinition: null, reasons: [], updatedAt: at });
          allowed.push(tool);
          emit({ type: 'integrity.tool_changed', server, tool: tool.name, hash, previousHash: pin.hash, diff, reasons, findings: warnings, at });
          continue;
        }
        store.put({ ...pin, status: 'quarantined', pendingHash: hash, pendingDefinition: def, reasons, updatedAt: at });
        quarantined.push({ tool, diff, reasons, findings: blocking });
        emit({ type: 'integrity.tool_quarantined', server, tool: tool.name, hash, previousHash: pin.hash, diff, reasons, findings: blocking, at });
        if (policy === 'block_server') blockServer = true;
      }
    });

    // block_server: any quarantined tool of the server (now or still) hides all of them.
    if (policy === 'block_server' && (blockServer || store.list(server).some((p) => p.status === 'quarantined'))) {
      if (!blockedServers.has(server)) emit({ type: 'integrity.server_blocked', server, reasons: ['a tool definition changed; policy block_server'], at });
      blockedServers.add(server);
      for (const t of allowed) quarantined.push({ tool: t, diff: '', reasons: ['server blocked: another tool of this server changed'], findings: [] });
      allowed.length = 0;
    } else {
      blockedServers.delete(server);
    }
    for (const t of tools) blockedTools.delete(key(server, t.name));
    for (const q of quarantined) blockedTools.add(key(server, q.tool.name));
    return { allowed, quarantined };
  }

  function approve(server: string, tool: string | undefined, by: string): PinRecord[] {
    const at = now();
    const done: PinRecord[] = [];
    store.tx(() => {
      for (const p of store.list(server)) {
        if (tool !== undefined && p.tool !== tool) continue;
        if (p.status !== 'quarantined') continue;
        const rec: PinRecord = {
          ...p, hash: p.pendingHash ?? p.hash, definition: p.pendingDefinition ?? p.definition, status: 'pinned',
          approvedBy: by, approvedAt: at, pendingHash: null, pendingDefinition: null, reasons: [], updatedAt: at,
        };
        store.put(rec);
        done.push(rec);
      }
    });
    return released(server, done, by, at);
  }

  /** Serves the approved tools again (and the server, once nothing of it is quarantined) and reports it. */
  function released(server: string, done: PinRecord[], by: string, at: number): PinRecord[] {
    for (const r of done) {
      blockedTools.delete(key(server, r.tool));
      emit({ type: 'integrity.tool_approved', server, tool: r.tool, hash: r.hash, by, at });
    }
    if (!store.list(server).some((p) => p.status === 'quarantined')) blockedServers.delete(server);
    return done;
  }

  function pin(server: string, tools: readonly ToolLike[], by: string): PinRecord[] {
    const at = now();
    const done: PinRecord[] = [];
    store.tx(() => {
      for (const t of tools) {
        const old = store.get(server, t.name);
        const rec: PinRecord = {
          server, tool: t.name, hash: toolHash(t, config.pinMeta), definition: canonicalJson(pinnedPart(t, config.pinMeta)),
          status: 'pinned', firstSeen: old?.firstSeen ?? at, approvedBy: by, approvedAt: at,
          pendingHash: null, pendingDefinition: null, reasons: [], updatedAt: at,
        };
        store.put(rec);
        done.push(rec);
      }
    });
    return released(server, done, by, at);
  }

  return {
    review,
    approve,
    pin,
    list: (server) => store.list(server),
    isServed: (server, tool) => !blockedServers.has(server) && !blockedTools.has(key(server, tool)),
    store,
  };
}
