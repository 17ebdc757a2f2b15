import { describe, expect, it } from 'vitest';
import { escapeMarkdown, formatDuration, prBody, type PrBodyInput } from '../../src/github/pr-body';

const usage = (inputTokens: number, outputTokens: number, costUsd: number, calls: number) => ({
  inputTokens,
  outputTokens,
  costUsd,
  calls,
});

const summary: PrBodyInput = {
  runId: 'run-42',
  name: 'node-express-api',
  template: 'node-express-api',
  state: 'completed',
  phases: [
    {
      id: 'spec',
      title: 'API specification',
      agent: 'api-spec',
      state: 'done',
      attempts: 2,
      runs: 2,
      startedAt: '2026-01-01T10:00:00.000Z',
      endedAt: '2026-01-01T10:00:01.500Z',
      usage: usage(1000, 200, 0.01, 1),
    },
    {
      id: 'review',
      title: 'Code review',
      agent: 'review',
      state: 'done',
      attempts: 1,
      startedAt: '2026-01-01T10:01:00.000Z',
      endedAt: '2026-01-01T10:03:05.000Z',
      output: {
        findings: [
          {
            file: 'app/src/app.js',
            line: 12,
            severity: 'warning',
            rule: 'max-line-length',
            message: 'line is 130 characters',
          },
          {
            file: 'app/x.js',
            severity: 'error',
            rule: 'secret',
            message: 'ping @octocat, see #1 <img src=x> [a](http://evil) | col',
          },
        ],
        errors: 1,
        warnings: 1,
        passed: false,
        reportPath: 'reports/review.json',
        omitted: 3,
      },
    },
    {
      id: 'build',
      title: 'Syntax check and tests',
      agent: 'build',
      state: 'done',
      attempts: 1,
      startedAt: '2026-01-01T10:04:00.000Z',
      endedAt: '2026-01-01T10:04:09.000Z',
      output: {
        compiled: true,
        compiler: 'node --check',
        tests: { passed: 14, failed: 0 },
        notCompiled: [],
        logPath: 'reports/build.log',
      },
    },
    { id: 'deploy', agent: 'deploy', state: 'skipped', attempts: 0 },
  ],
  decisions: [
    {
      phase: 'spec',
      gate: 'spec#1',
      action: 'modify',
      by: 'alice',
      at: '2026-01-01T10:00:30Z',
      via: 'update',
      comment: 'add loans\nand more',
    },
    { phase: 'codegen', action: 'approve', by: 'auto', at: '2026-01-01T10:00:50Z', via: 'auto' },
  ],
  decisionsDropped: 0,
  usage: usage(1000, 200, 0.01, 1),
  budget: { tokens: 50_000, costUsd: 2 },
};

describe('prBody', () => {
  const body = prBody(summary);

  it('lists the phases with their state, attempts, duration and tokens', () => {
    expect(body).toContain('## Baton run run-42');
    expect(body).toContain('Pipeline **node-express-api**, state **completed**.');
    expect(body).toContain('| Phase | Agent | State | Attempts | Duration | Tokens |');
    expect(body).toContain('| spec (API specification) | api-spec | done | 2 in 2 runs | 1.5 s | 1,200 |');
    expect(body).toContain('| review (Code review) | review | done | 1 | 2 min 05 s |  |');
    expect(body).toContain('| deploy | deploy | skipped | 0 |  |  |');
  });

  it('lists the decisions with who and when', () => {
    expect(body).toContain('- **modify** at spec&#35;1 by alice, 2026-01-01T10:00:30Z: “add loans and more”');
    expect(body).toContain('- **approve** at codegen by auto (auto), 2026-01-01T10:00:50Z');
  });

  it("shows the review's findings and the build's result", () => {
    expect(body).toContain('review: did not pass, 1 errors, 1 warnings.');
    expect(body).toContain('- warning app/src/app.js:12 (max-line-length): line is 130 characters');
    expect(body).toContain('- … and 3 more in reports/review.json');
    expect(body).toContain('- build: compiled (node --check); tests: 14 passed, 0 failed');
  });

  it('shows tokens, cost and the budget', () => {
    expect(body).toContain('1,200 tokens (1,000 in, 200 out) over 1 LLM calls; cost $0.0100.');
    expect(body).toContain('Budget: 50,000 tokens, $2.00.');
  });

  it('escapes what came from the run: no mentions, references, HTML, links or table breaks', () => {
    const line = body.split('\n').find((l) => l.includes('(secret)'));
    expect(line).toBe(
      '- error app/x.js (secret): ping &#64;octocat, see &#35;1 &lt;img src=x&gt; \\[a\\](http://evil) \\| col',
    );
    expect(body).not.toMatch(/@octocat|<img/);
  });

  it('says when the decisions are not known, and when no LLM was called', () => {
    const text = prBody({ runId: 'r', phases: [], usage: usage(0, 0, 0, 0), note: 'From the worker.' });
    expect(text).toContain('From the worker.');
    expect(text).toContain('No phase has run yet.');
    expect(text).toContain('Not known here: `baton status <run>` lists them.');
    expect(text).toContain('No LLM calls: every agent worked deterministically.');
    expect(text).not.toContain('### Review');
    expect(text).not.toContain('### Build');
  });

  it('ignores outputs kept as artifacts (not the review or build shape)', () => {
    const text = prBody({
      runId: 'r',
      phases: [
        { id: 'review', agent: 'review', state: 'done', attempts: 1, output: { $artifact: {}, note: 'big' } },
      ],
    });
    expect(text).not.toContain('### Review');
  });

  it("stays under GitHub's body limit", () => {
    const findings = Array.from({ length: 2000 }, (_, i) => ({
      file: `f${i}.js`,
      severity: 'info',
      rule: 'r',
      message: 'x'.repeat(290),
    }));
    const phases = Array.from({ length: 300 }, (_, i) => ({
      id: `p${i}-${'y'.repeat(200)}`,
      agent: 'review',
      state: 'done' as const,
      attempts: 1,
      output: { findings, errors: 0, warnings: 0, passed: true },
    }));
    const text = prBody({ runId: 'big', phases });
    expect(text.length).toBeLessThan(65_536);
    expect(text).toContain("cut to fit GitHub's limit");
  });
});

describe('escapeMarkdown and formatDuration', () => {
  it('turns line breaks and control characters into spaces and cuts long text', () => {
    expect(escapeMarkdown('a\nb\r\n\x1b[2Jc')).toBe('a b [2Jc'.replace('[', '\\['));
    expect(escapeMarkdown('x'.repeat(400))).toHaveLength(300);
    expect(escapeMarkdown('*bold* _it_ `code` ~s~ a\\b')).toBe(
      '\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~ a\\\\b',
    );
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });
});
