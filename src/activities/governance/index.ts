/**
 * The activities behind gate governance (issue 10): the run's settings at its start, the audit
 * records it writes into its history, signature checks and notifications. All run as local
 * activities: no key and no config enters workflow code.
 */
import type { BatonConfig } from '../../config';
import type { AuditRecord } from '../../shared/audit-record';
import { canonicalJson, sha256Hex, type GovernanceSettings } from '../../shared/governance';
import { notificationFilters } from '../../config/notifications';
import { createNotifyGate } from './notify';
import { createVerifyDecision } from './verify';

export interface GovernanceDeps {
  config?: BatonConfig;
  /** The worker's environment, for keys (`BATON_DECISION_KEY`, per-user key variables). */
  env?: Record<string, string | undefined>;
}

export function createGovernanceActivities(deps: GovernanceDeps = {}) {
  const roles = deps.config?.roles ?? {};
  const settings: GovernanceSettings = {
    roles,
    rolesDigest: sha256Hex(canonicalJson(roles)),
    signedDecisions: deps.config?.security?.signedDecisions ?? false,
    notifications: notificationFilters(deps.config?.notifications ?? []),
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
