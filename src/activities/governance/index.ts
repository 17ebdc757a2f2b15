/**
 * The activities behind gate governance (issue 10): the run's settings at its start, the audit
 * records it writes into its history, signature checks and notifications. All run as local
 * activities: no key and no config enters workflow code.
 */
import type { BatonConfig } from '../../config';
import type { AuditRecord } from '../../shared/audit-record';
import { parseDuration } from '../../shared/duration';
import { canonicalJson, sha256Hex, type GovernanceSettings } from '../../shared/governance';
import { notificationFilters } from '../../config/notifications';
import { createNotifyGate } from './notify';
import { createVerifyDecision } from './verify';

export interface GovernanceDeps {
  config?: BatonConfig;
  /** The worker's environment, for keys (`BATON_DECISION_KEY`, per-user key variables). */
  env?: Record<string, string | undefined>;
}

const NOTIFY_WITHIN = 'BATON_NOTIFY_WITHIN';
const NOTIFY_WITHIN_BOUNDS = { min: 1000, max: 24 * 3_600_000 };

/** `BATON_NOTIFY_WITHIN`: how long one notification may keep retrying (default 5m). */
function notifyWithin(env: Record<string, string | undefined>): number | undefined {
  const raw = env[NOTIFY_WITHIN]?.trim();
  if (!raw) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined || ms < NOTIFY_WITHIN_BOUNDS.min || ms > NOTIFY_WITHIN_BOUNDS.max) {
    throw new Error(
      `${NOTIFY_WITHIN}=${JSON.stringify(raw.slice(0, 40))} is not a duration between 1s and 24h; set it like ${NOTIFY_WITHIN}=5m, or unset it for the default (5m)`,
    );
  }
  return ms;
}

export function createGovernanceActivities(deps: GovernanceDeps = {}) {
  const roles = deps.config?.roles ?? {};
  const settings: GovernanceSettings = {
    roles,
    rolesDigest: sha256Hex(canonicalJson(roles)),
    signedDecisions: deps.config?.security?.signedDecisions ?? false,
    notifications: notificationFilters(deps.config?.notifications ?? []),
    notifyWithinMs: notifyWithin(deps.env ?? {}),
  };
  return {
    /** What governs this worker's runs: read once at each run's start, recorded in its history. */
    async loadGovernance(): Promise<GovernanceSettings> {
      return settings;
    },
    /** Returns its input: the records land in history as the local activity's result (the audit reads them). */
    async recordAudit(records: AuditRecord[]): Promise<AuditRecord[]> {
      return records;
    },
    verifyDecision: createVerifyDecision(deps),
    notifyGate: createNotifyGate(deps),
  };
}
