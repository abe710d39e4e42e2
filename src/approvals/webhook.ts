/**
 * Webhook notifier: POSTs a Slack-compatible incoming-webhook message (text + blocks) for each new
 * request, with signed approve/deny links. Fire and forget: it has a timeout, and a failure is
 * logged and never blocks or decides the held call (the other channels still work).
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../telemetry/log.ts';
import type { LinkSigner } from './links.ts';
import type { ApprovalRecord } from './store.ts';

/** Slack mrkdwn: `&`, `<`, `>` are control characters; escaping them stops an argument from forging a link. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cap = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The message for one request (exported for tests and for other chat targets). */
export function slackMessage(r: ApprovalRecord, links: { approve: string; deny: string } | undefined): Record<string, unknown> {
  const title = `Approval needed: ${r.agent} wants to call ${r.server}/${r.tool} (rule ${r.rule})`;
  const args = cap(JSON.stringify(r.args, null, 2) ?? 'null', 2500).replace(/```/g, "'''");
  const armed = Array.isArray(r.armedBy) && r.armedBy.length ? cap(JSON.stringify(r.armedBy), 1000) : 'none recorded';
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${esc(title)}*\n${esc(cap(r.reason, 1000))}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Arguments (redacted)*\n\`\`\`${esc(args)}\`\`\`` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Armed by*\n${esc(armed)}` } },
    {
      type: 'context',
      // A chat channel is wider than the admin API: show a hash of the session key, not the MCP session id.
      elements: [{ type: 'mrkdwn', text: esc(`id ${r.id} · session #${createHash('sha256').update(r.session).digest('hex').slice(0, 12)} · expires ${new Date(r.expiresAt).toISOString()}`) }],
    },
  ];
  if (links) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', style: 'primary', text: { type: 'plain_text', text: 'Approve…' }, url: links.approve, action_id: 'warden_approve' },
        { type: 'button', style: 'danger', text: { type: 'plain_text', text: 'Deny…' }, url: links.deny, action_id: 'warden_deny' },
      ],
    });
  }
  return { text: title, blocks };
}

export interface Notifier {
  /** Sends the message; resolves when done or failed (never rejects). */
  notify(r: ApprovalRecord): Promise<void>;
}

export function createWebhookNotifier(opts: {
  readonly url: string;
  readonly timeoutMs: number;
  readonly signer: LinkSigner;
  readonly log: Logger;
  readonly fetch: typeof fetch;
}): Notifier {
  return {
    async notify(r) {
      const links = { approve: opts.signer.url(r.id, 'approve', r.expiresAt), deny: opts.signer.url(r.id, 'deny', r.expiresAt) };
      try {
        const res = await opts.fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(slackMessage(r, links)),
          signal: AbortSignal.timeout(opts.timeoutMs),
          redirect: 'error',
        });
        // Drain the body so the connection is released.
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) opts.log.warn({ approval: r.id, status: res.status }, 'approval webhook refused the message');
      } catch (err) {
        // The webhook URL itself is a secret for Slack; log only the failure kind.
        opts.log.warn({ approval: r.id, err: (err as Error)?.name ?? 'error' }, 'approval webhook failed');
      }
    },
  };
}
