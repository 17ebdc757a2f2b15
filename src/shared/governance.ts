/**
 * Who may decide a gate, how a decision is signed, and what a gate's digest covers: the public
 * contract of issue 10, shared by the workflow, the worker and the client. Sandbox-safe: the sha256
 * is pure JS (@noble/hashes), with no Node builtins.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import type { Approvers } from './definition-core';
import type { NotificationFilter } from './notifications';

export type { Approvers };

/** A user or role name: what `by` holds and what `roles` maps. */
export const PRINCIPAL = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/;

/** `roles` in the worker's config: role name → the users who hold it. */
export const RolesSchema = z.record(
  z.string().regex(PRINCIPAL, 'role names are letters, digits and . _ @ + - (such as lead)'),
  z
    .array(z.string().regex(PRINCIPAL, 'user names are letters, digits and . _ @ + - (such as alice)'))
    .max(1000),
);
export type Roles = z.infer<typeof RolesSchema>;

/** What the worker tells a run at its start (local activity `loadGovernance`); the run keeps it. */
export interface GovernanceSettings {
  roles: Roles;
  /** sha256 of canonicalJson(roles): the audit shows which role map decided. */
  rolesDigest: string;
  /** True when decisions must carry a valid `sig` (config `security.signedDecisions`). */
  signedDecisions: boolean;
  /**
   * The worker's notification sinks' filters (issue 11). Absent in runs from before notifications,
   * which send none; empty when the worker has no sink.
   */
  notifications?: NotificationFilter[];
  /** How long one event's deliveries may take, retries included (`BATON_NOTIFY_WITHIN`). */
  notifyWithinMs?: number;
}

/** A sha256 or an HMAC-SHA256, as lowercase hex. */
export const HEX64 = /^[0-9a-f]{64}$/;

/**
 * JSON with object keys sorted (recursively), no whitespace, arrays in order, `undefined` fields
 * left out: the one form that is hashed and signed, so any tool can rebuild it. Equal to Python's
 * `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` for strings,
 * integers, booleans, null, lists and dicts.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

/** The fields a signature covers. `comment` and `changes` are covered when the decision has them. */
export interface SignedFields {
  workflowId: string;
  gate: string;
  action: string;
  by: string;
  digest: string;
  /** When the sender signed, ISO 8601 (UTC). */
  at: string;
  comment?: string;
  changes?: Record<string, unknown>;
}

/** The exact text an HMAC-SHA256 signature is computed over (UTF-8 bytes of it). */
export const signingText = (fields: SignedFields): string => canonicalJson(fields);

/**
 * What a gate's digest covers: the gate's id and kind, what it shows (the phase output, a budget
 * reason, conflict sides…), and the name and sha256 of each artifact of the phase, sorted by name.
 */
export interface DigestInput {
  gate: string;
  kind: string;
  shows: Record<string, unknown>;
  artifacts: { name: string; sha256: string }[];
}

/** The gate's digest: sha256 of canonicalJson(DigestInput), lowercase hex. */
export function gateDigest(input: DigestInput): string {
  const artifacts = [...input.artifacts]
    .map(({ name, sha256: hash }) => ({ name, sha256: hash }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sha256Hex(canonicalJson({ ...input, artifacts }));
}

/** The people an approver set names, with the role (or `user`) that lets each of them decide. */
export function allowedBy(approvers: Approvers, roles: Roles, by: string): string | undefined {
  if (approvers.users.includes(by)) return 'user';
  return approvers.roles.find((role) => (roles[role] ?? []).includes(by));
}

/** Everyone an approver set lets decide, for messages and notifications. */
export function approverNames(approvers: Approvers, roles: Roles): string[] {
  return [...new Set([...approvers.users, ...approvers.roles.flatMap((r) => roles[r] ?? [])])].sort();
}

/** The approver set widened by an escalation. */
export const widen = (a: Approvers, b: Approvers): Approvers => ({
  roles: [...new Set([...a.roles, ...b.roles])],
  users: [...new Set([...a.users, ...b.users])],
});

/** `by` of an approval a policy gave (CEL `autoApprove.when`). */
export const POLICY_DECIDER = 'baton:policy';
