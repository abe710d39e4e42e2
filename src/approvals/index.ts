/**
 * Human approval for high-risk calls (issue 6).
 *
 * Wiring (src/app.ts): parse `config.approvals` with {@link approvalsConfigSchema}, then
 * ```ts
 * const approvals = createApprovals({ db, config: cfg.approvals, log });
 * new Gateway(loaded, { log, extensions: { stages: [...others, createApprovalRulesStage(cfg.approvals)], onHold: approvals.onHold } });
 * createHttpGateway({ gateway, server, log, routes: [...approvals.routes] });
 * // on stop: approvals.close() before closing the db
 * ```
 * `createApprovals` belongs with the long-lived runtime (held calls live in it; build it once);
 * on config reload call `approvals.reload(next.approvals)` and rebuild only the rules stage.
 */
import type { Route } from '../transport/http.ts';
import { createApprovalsCore, type ApprovalsCore, type ApprovalsOptions } from './approvals.ts';
import { approvalRoutes } from './routes.ts';

export { approvalsConfigSchema, parseDuration } from './config.ts';
export type { ApprovalsConfig, ApprovalsConfigInput, ApproverConfig, ApprovalRuleConfig } from './config.ts';
export { createApprovalRulesStage } from './rules-stage.ts';
export type { ApprovalRulesStage } from './rules-stage.ts';
export { APPROVAL_STATE_KEYS, createApprovalsCore } from './approvals.ts';
export type { ApprovalsCore, ApprovalsOptions, DecideInput, DecideResult, Timers } from './approvals.ts';
export { ApprovalError, APPROVAL_API_ERRORS } from './errors.ts';
export type { ApprovalErrorCode } from './errors.ts';
export type { Approver } from './approvers.ts';
export { approvalDigest, canonicalJson } from './digest.ts';
export { createLinkSigner } from './links.ts';
export type { LinkSigner, LinkAction } from './links.ts';
export { approvalJson } from './routes.ts';
export { slackMessage } from './webhook.ts';
export type { ApprovalRecord, ApprovalScope, ApprovalStatus } from './store.ts';

/** The approvals module: the hold handler, the HTTP routes and the decision API. */
export interface Approvals extends ApprovalsCore {
  /** Admin API (`/admin/approvals…`) and, with a webhook, signed links (`/approvals/:id/…`). */
  readonly routes: readonly Route[];
}

/**
 * Builds everything once: the table, prepared statements, hashed approver tokens, the link key.
 * Requests left `pending` by an earlier process are marked `orphaned` here.
 */
export function createApprovals(opts: ApprovalsOptions): Approvals {
  const core = createApprovalsCore(opts);
  const routes = approvalRoutes(core);
  return {
    onHold: core.onHold,
    list: core.list,
    get: core.get,
    decide: core.decide,
    close: core.close,
    authenticate: core.authenticate,
    reload: core.reload,
    now: core.now,
    routes,
    get approvers() {
      return core.approvers;
    },
    get signer() {
      return core.signer;
    },
    get waiting() {
      return core.waiting;
    },
  };
}
