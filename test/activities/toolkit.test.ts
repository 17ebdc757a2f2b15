import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderTemplate } from '../../src/activities/agents/codegen/templates';
import { runProcess } from '../../src/activities/agents/toolbox/process';
import { agentFailure, toAgentFailure } from '../../src/activities/failures';
import { startHeartbeat } from '../../src/activities/heartbeat';
import { retryAfterMs } from '../../src/activities/retry-after';
import { ConfigError } from '../../src/config';
import { AGENT_FAILURES } from '../../src/shared/failure-types';
import { agentContext } from '../helpers/agent-context';

const details = { attempt: 2, agent: 'a', phase: 'p' };

describe('the failure classifier', () => {
  it('takes type and retryability from the table', () => {
    for (const [kind, { type, retryable }] of Object.entries(AGENT_FAILURES)) {
      const failure = agentFailure(kind as keyof typeof AGENT_FAILURES, 'm');
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(!retryable);
    }
    expect(agentFailure('RateLimited', 'slow down', { nextRetryDelay: 1500 }).nextRetryDelay).toBe(1500);
  });

  it('keeps a typed failure, attaches the attempt, and redacts keys from the message', () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-toolkit-0123456789abcdef');
    try {
      const thrown = agentFailure('RateLimited', 'key sk-toolkit-0123456789abcdef was limited', {
        nextRetryDelay: 2000,
      });
      const failure = toAgentFailure(thrown, details) as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.type).toBe('Agent.RateLimited');
      expect(failure.nonRetryable).toBe(false);
      expect(failure.nextRetryDelay).toBe(2000);
      expect(failure.message).toBe('key [redacted] was limited');
      expect(failure.details).toEqual([details]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('makes a config problem permanent, anything else a retryable Agent.Error, and leaves a cancel alone', () => {
    const config = toAgentFailure(new ConfigError('no model'), details) as ApplicationFailure;
    expect([config.type, config.nonRetryable]).toEqual(['Agent.NotConfigured', true]);
    const other = toAgentFailure(new Error('disk full'), details) as ApplicationFailure;
    expect([other.type, other.nonRetryable, other.message]).toEqual(['Agent.Error', false, 'disk full']);
    const cancel = new CancelledFailure('cancelled');
    expect(toAgentFailure(cancel, details)).toBe(cancel);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads plain objects and Headers alike', () => {
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'Retry-After': '2' }), now)).toBe(2000);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
  it('reads x-ratelimit-reset as epoch seconds, or as a delay when it is small', () => {
    expect(retryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 30) }, now)).toBe(30_000);
    expect(retryAfterMs({ 'x-ratelimit-reset': '30' }, now)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': '1', 'x-ratelimit-reset': '30' }, now)).toBe(1000);
  });
});

describe('startHeartbeat', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends at most every minMs while busy, and every everyMs while quiet', () => {
    vi.useFakeTimers();
    const sent: unknown[] = [];
    let n = 0;
    const heartbeat = startHeartbeat(
      (d) => sent.push(d),
      () => ++n,
      { everyMs: 5_000, minMs: 1_000 },
    );
    heartbeat.beat();
    heartbeat.beat();
    heartbeat.beat();
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([1, 2]);
    vi.advanceTimersByTime(3_000);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(2_500);
    expect(sent).toHaveLength(3);
    heartbeat.stop();
    vi.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(3);
  });

  it('with no minMs, sends every beat at once and the latest details on the timer', () => {
    vi.useFakeTimers();
    const sent: unknown[] = [];
    let latest = 'started';
    const heartbeat = startHeartbeat(
      (d) => sent.push(d),
      () => latest,
      { everyMs: 1_000 },
    );
    latest = 'a';
    heartbeat.beat();
    latest = 'b';
    heartbeat.beat();
    vi.advanceTimersByTime(1_000);
    heartbeat.stop();
    expect(sent).toEqual(['a', 'b', 'b']);
  });
});

describe('runProcess', () => {
  const context = agentContext(process.cwd());
  it('returns a failing exit as a result', async () => {
    const result = await runProcess(process.execPath, ['-e', 'console.log("out"); process.exit(3)'], {
      cwd: process.cwd(),
      context,
    });
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: '' });
  });
  it('names a program that is not on PATH, and one that ran too long', async () => {
    const missing = await runProcess('baton-no-such-program', [], { cwd: process.cwd(), context });
    expect(missing).toMatchObject({ code: null, problem: 'baton-no-such-program was not found on PATH' });
    const slow = await runProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      cwd: process.cwd(),
      context,
      timeoutMs: 300,
    });
    expect(slow).toMatchObject({ code: null, problem: 'timed out after 300 ms' });
  });
  it('stops a program whose output passes the bound', async () => {
    const result = await runProcess(
      process.execPath,
      ['-e', 'const s = "x".repeat(65536); const w = () => process.stdout.write(s, w); w()'],
      { cwd: process.cwd(), context, timeoutMs: 30_000 },
    );
    expect(result).toMatchObject({ code: null, problem: `output exceeded ${1024 * 1024} bytes` });
  });
});

describe('renderTemplate', () => {
  it('refuses a placeholder without a value and a value without a placeholder', () => {
    const values = { type: 'String', Name: 'Title', field: 'title' };
    expect(renderTemplate('java-springboot/accessors.java.tmpl', values)).toContain(
      'public String getTitle()',
    );
    expect(() =>
      renderTemplate('java-springboot/accessors.java.tmpl', { type: 'String', Name: 'T' }),
    ).toThrow(/uses \{\{field\}\}/);
    expect(() => renderTemplate('java-springboot/accessors.java.tmpl', { ...values, extra: 'x' })).toThrow(
      /has no \{\{extra\}\}/,
    );
  });
});
