/**
 * Definition checks of a gate's governance settings (issue 10): who may decide, how many must,
 * reminders, escalation and the `autoApprove.when` policy. Each problem names the field, the value
 * and the fix. Reads raw values, so a definition that failed its schema is still checked for what
 * can be read (a field of the wrong type was reported by the schema, and is skipped here).
 * Sandbox-safe: the workflow validates its input with these checks too.
 */
import { DURATION_HINT, parseDuration } from './duration';
import { PRINCIPAL } from './governance';
import { LIMITS } from './limits';
import { quote } from './param-rules';
import { policyProblem } from './policy';
import type { Problem } from './validate-params';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const GATE_LIMIT = `${LIMITS.gateTimeoutMs / 86_400_000}d`;

/** Checks the approval of a phase, and of each task a parallel phase lists in its definition. */
export function approvalProblems(phase: { id: string; approval?: unknown; parallel?: unknown }): Problem[] {
  const problems = gateProblems(`phases[${phase.id}].approval`, phase.approval, false);
  const tasks = isRecord(phase.parallel) ? phase.parallel.tasks : undefined;
  // Tasks bound at run time (`${phases.plan.output.tasks}`) are checked by the run when it reads them.
  for (const task of Array.isArray(tasks) ? tasks : []) {
    if (!isRecord(task) || typeof task.id !== 'string') continue;
    problems.push(
      ...gateProblems(`phases[${phase.id}].parallel.tasks[${task.id}].approval`, task.approval, true),
    );
  }
  return problems;
}

/**
 * One gate's settings. `withTimeout`: check `timeout` here too (a phase's is checked with the
 * phase's other durations in validate.ts).
 */
function gateProblems(at: string, approval: unknown, withTimeout: boolean): Problem[] {
  if (!isRecord(approval)) return [];
  const problems: Problem[] = [];
  const add = (field: string, message: string) => problems.push({ path: `${at}.${field}`, message });
  const escalate = isRecord(approval.escalate) ? approval.escalate : undefined;

  const fields: Array<[string, unknown]> = [
    ['remind', approval.remind],
    ['escalate.after', escalate?.after],
  ];
  if (withTimeout) fields.unshift(['timeout', approval.timeout]);
  for (const [field, value] of fields) {
    const problem = durationProblem(value);
    if (problem) add(field, problem);
  }

  const timeoutMs = parseDuration(approval.timeout);
  const shorter = (field: string, value: unknown, why: string) => {
    const ms = parseDuration(value);
    if (ms !== undefined && timeoutMs !== undefined && ms >= timeoutMs)
      add(field, `${quote(value)} is not shorter than timeout ${quote(approval.timeout)}: ${why}`);
  };
  shorter(
    'remind',
    approval.remind,
    'the gate times out before the first reminder; make remind shorter or drop it',
  );
  if (approval.onTimeout !== 'escalate')
    shorter(
      'escalate.after',
      escalate?.after,
      'the gate times out before it escalates; make after shorter, or use onTimeout: escalate to escalate at the timeout',
    );

  if (approval.onTimeout === 'escalate') {
    if (!escalate)
      add(
        'onTimeout',
        'onTimeout "escalate" needs escalate.to, the approvers to add at the timeout, such as escalate: { to: { roles: [director] } }',
      );
    if (approval.timeout === undefined)
      add('onTimeout', 'onTimeout "escalate" needs a timeout, when to escalate, such as timeout: 4h');
  } else if (escalate && escalate.after === undefined) {
    add(
      'escalate',
      'escalate needs after (such as after: 2h), or onTimeout: escalate with a timeout; as it is, it never happens',
    );
  }

  problems.push(...approversProblems(`${at}.approvers`, approval.approvers, 'nobody could decide'));
  if (escalate)
    problems.push(...approversProblems(`${at}.escalate.to`, escalate.to, 'the escalation adds nobody'));
  problems.push(...minApprovalsProblems(at, approval));

  const when = isRecord(approval.autoApprove) ? approval.autoApprove.when : undefined;
  const policy = typeof when === 'string' ? policyProblem(when) : undefined;
  if (policy)
    add(
      'autoApprove.when',
      `is not a valid CEL expression: ${policy.message}; fix it there, for example "phases.review.output.errors == 0" (see docs/policy.md)`,
    );
  return problems;
}

function durationProblem(value: unknown): string | undefined {
  // A value of the wrong type was reported by the schema at the same path.
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) return `${quote(value)} is not a duration; ${DURATION_HINT}`;
  if (ms > LIMITS.gateTimeoutMs)
    return `${quote(value)} is longer than the limit for a gate, ${GATE_LIMIT}; use a shorter duration`;
  return undefined;
}

/** An approver set names at least one role or user, each a valid name. */
function approversProblems(at: string, approvers: unknown, empty: string): Problem[] {
  if (!isRecord(approvers)) return [];
  const roles = strings(approvers.roles);
  const users = strings(approvers.users);
  const problems: Problem[] = [];
  // A list of the wrong type was reported by the schema; only a set that is truly empty is one here.
  const listOrAbsent = (value: unknown) => value === undefined || Array.isArray(value);
  if (
    roles.length === 0 &&
    users.length === 0 &&
    listOrAbsent(approvers.roles) &&
    listOrAbsent(approvers.users)
  )
    problems.push({
      path: at,
      message: `names no role and no user, so ${empty}; give at least one, such as { roles: [lead] } or { users: [alice] }${at.endsWith('.approvers') ? ', or leave approvers out to let anyone decide' : ''}`,
    });
  for (const [field, names, what, example] of [
    ['roles', roles, 'role', 'lead'],
    ['users', users, 'user', 'alice'],
  ] as const) {
    names.forEach((name, i) => {
      if (!PRINCIPAL.test(name))
        problems.push({
          path: `${at}.${field}[${i}]`,
          message: `${quote(name)} is not a ${what} name: use letters, digits and . _ @ + - (at most 200, starting with a letter or digit), such as ${example}`,
        });
    });
  }
  return problems;
}

/** The two-person rule needs named approvers, and enough of them when they are only users. */
function minApprovalsProblems(at: string, approval: Record<string, unknown>): Problem[] {
  const min = approval.minApprovals;
  if (typeof min !== 'number' || !Number.isInteger(min) || min <= 1) return [];
  const path = `${at}.minApprovals`;
  if (!isRecord(approval.approvers))
    return [
      {
        path,
        message: `minApprovals ${min} needs approvers: a ${min}-person rule among anyone is meaningless, since anyone may decide under any name; name who may approve, such as approvers: { roles: [lead] }`,
      },
    ];
  const sets = [approval.approvers, isRecord(approval.escalate) ? approval.escalate.to : undefined].filter(
    isRecord,
  );
  // With a role, the people are known only to the worker's config: the run checks that.
  if (sets.some((set) => strings(set.roles).length > 0)) return [];
  const users = new Set(sets.flatMap((set) => strings(set.users)));
  if (users.size >= min) return [];
  return [
    {
      path,
      message: `minApprovals ${min} but the approvers name only ${users.size} user${users.size === 1 ? '' : 's'} and no role, so the gate could never be approved; name more people (or a role) or lower minApprovals`,
    },
  ];
}
