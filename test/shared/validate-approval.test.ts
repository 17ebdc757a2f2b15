import { describe, expect, it } from 'vitest';
import type { DefinitionInput } from '../../src/shared/definition';
import { validateDefinition, type Problem } from '../../src/shared/validate';

const gated = (approval: unknown, extra: Record<string, unknown> = {}): DefinitionInput =>
  ({
    name: 'governed',
    phases: [
      { id: 'review', agent: 'echo' },
      { id: 'ship', agent: 'echo', needs: ['review'], approval, ...extra },
    ],
  }) as DefinitionInput;

function problemsOf(raw: unknown): Problem[] {
  const checked = validateDefinition(raw);
  if (checked.ok) throw new Error('expected the definition to be refused');
  return checked.problems;
}

const at = 'phases[ship].approval';

describe('approval settings: good ones pass', () => {
  it('accepts the issue example and every setting together', () => {
    const checked = validateDefinition(
      gated({
        timeout: '4h',
        remind: '1h',
        escalate: { after: '2h', to: { roles: ['director'] } },
        onTimeout: 'escalate',
        approvers: { roles: ['lead'], users: ['alice'] },
        minApprovals: 2,
        autoApprove: { when: 'phases.review.output.errors == 0 && phases.review.output.warnings < 3' },
      }),
    );
    expect(checked.ok ? [] : checked.problems).toEqual([]);
  });

  it('leaves budget and conflict gates alone: they have no approval settings', () => {
    const checked = validateDefinition({
      name: 'spending',
      budget: { tokens: 100_000 },
      phases: [
        { id: 'plan', agent: 'echo', budget: { costUsd: 1 }, approval: true },
        {
          id: 'build',
          needs: ['plan'],
          parallel: {
            tasks: [
              { id: 'api', agent: 'echo' },
              { id: 'ui', agent: 'echo', approval: { approvers: { users: ['bob'] } } },
            ],
          },
          merge: { conflicts: { file: { strategy: 'human' } } },
        },
      ],
    });
    expect(checked.ok ? [] : checked.problems).toEqual([]);
  });
});

describe('approval settings: each bad one is a problem naming the field and the fix', () => {
  it.each<[string, unknown, string, RegExp]>([
    [
      'remind that is not a duration',
      { remind: 'hourly' },
      `${at}.remind`,
      /"hourly" is not a duration; use a number of milliseconds/,
    ],
    [
      'remind over the gate limit',
      { remind: '400d' },
      `${at}.remind`,
      /"400d" is longer than the limit for a gate, 365d/,
    ],
    [
      'escalate.after over the limit',
      { escalate: { after: '500d', to: { roles: ['director'] } } },
      `${at}.escalate.after`,
      /longer than the limit for a gate, 365d/,
    ],
    [
      'remind not shorter than the timeout',
      { timeout: '1h', remind: '2h' },
      `${at}.remind`,
      /"2h" is not shorter than timeout "1h": the gate times out before the first reminder/,
    ],
    [
      'escalate.after after the timeout',
      { timeout: '1h', escalate: { after: '3h', to: { users: ['carol'] } } },
      `${at}.escalate.after`,
      /not shorter than timeout "1h".*onTimeout: escalate/,
    ],
    [
      'onTimeout escalate without escalate.to',
      { timeout: '1h', onTimeout: 'escalate' },
      `${at}.onTimeout`,
      /needs escalate\.to.*escalate: \{ to: \{ roles: \[director\] \} \}/,
    ],
    [
      'onTimeout escalate without a timeout',
      { onTimeout: 'escalate', escalate: { to: { roles: ['director'] } } },
      `${at}.onTimeout`,
      /needs a timeout, when to escalate, such as timeout: 4h/,
    ],
    [
      'escalate that never happens',
      { escalate: { to: { roles: ['director'] } } },
      `${at}.escalate`,
      /escalate needs after.*it never happens/,
    ],
    [
      'approvers that name nobody',
      { approvers: {} },
      `${at}.approvers`,
      /names no role and no user, so nobody could decide.*or leave approvers out/,
    ],
    [
      'escalate.to that names nobody',
      { escalate: { after: '1h', to: { roles: [] } } },
      `${at}.escalate.to`,
      /names no role and no user, so the escalation adds nobody/,
    ],
    [
      'a bad role name',
      { approvers: { roles: ['team lead'] } },
      `${at}.approvers.roles[0]`,
      /"team lead" is not a role name: use letters, digits and \. _ @ \+ -/,
    ],
    [
      'a bad user name',
      { approvers: { users: ['alice', 'baton:policy'] } },
      `${at}.approvers.users[1]`,
      /"baton:policy" is not a user name/,
    ],
    [
      'a bad name in escalate.to',
      { escalate: { after: '1h', to: { users: ['-x'] } } },
      `${at}.escalate.to.users[0]`,
      /"-x" is not a user name/,
    ],
    [
      'minApprovals 2 among anyone',
      { minApprovals: 2 },
      `${at}.minApprovals`,
      /minApprovals 2 needs approvers: a 2-person rule among anyone is meaningless/,
    ],
    [
      'minApprovals over the users named',
      { minApprovals: 3, approvers: { users: ['alice', 'bob'] } },
      `${at}.minApprovals`,
      /only 2 users and no role, so the gate could never be approved/,
    ],
    [
      'a malformed policy',
      { autoApprove: { when: 'phases.review.output.errors == ' } },
      `${at}.autoApprove.when`,
      /is not a valid CEL expression: Unexpected token: EOF at column 32 .*fix it there.*docs\/policy\.md/,
    ],
    [
      'a policy over an unknown variable',
      { autoApprove: { when: 'review.errors == 0' } },
      `${at}.autoApprove.when`,
      /Unknown variable: review at column 1 .*can read phases, params, gate/,
    ],
    [
      'a policy that gives no bool',
      { autoApprove: { when: 'phases.review.output.errors + 1' } },
      `${at}.autoApprove.when`,
      /gives int, not a bool/,
    ],
  ])('%s', (_what, approval, path, message) => {
    const problems = problemsOf(gated(approval));
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) as string });
  });

  it('checks the gate of a task in a parallel phase, its timeout too', () => {
    const problems = problemsOf({
      name: 'tasks',
      phases: [
        {
          id: 'build',
          parallel: {
            tasks: [{ id: 'api', agent: 'echo', approval: { timeout: 'soon', minApprovals: 2 } }],
          },
        },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'phases[build].parallel.tasks[api].approval.timeout',
      'phases[build].parallel.tasks[api].approval.minApprovals',
    ]);
  });

  it('reports them with schema problems elsewhere, each once', () => {
    const problems = problemsOf(gated({ remind: 'hourly', approvers: { roles: 'lead' } }, { retry: 'x' }));
    expect(problems.filter((p) => p.path === `${at}.remind`)).toHaveLength(1);
    // The schema refused the approval (roles is not a list); the semantic check adds no "names nobody".
    expect(problems.some((p) => p.path === at)).toBe(true);
    expect(problems.some((p) => p.path === `${at}.approvers`)).toBe(false);
  });
});
