/**
 * The console's renderers on hostile and unusual input, without a browser: agent output never
 * becomes markup, the DAG is layered by needs, the conflict gate shows its three sides, and the
 * generated forms parse back to JSON types with a problem per field.
 */
import { describe, expect, it } from 'vitest';
import type { OpenGate, PhaseStatus, RunStatus } from '../../src/shared/status';
import type { AuditEntry } from '../../src/client/audit/schema';
import { barsFromAudit, reconcileGates } from '../../src/server/console/timeline';
import { NO_USAGE } from '../../src/shared/status';
import { layers } from '../../src/server/console/dag';
import { gatePanel } from '../../src/server/console/gate-panel';
import { parseModify } from '../../src/server/console/modify-forms';
import type { Html } from '../../src/server/console/layout';
import { highlightJson, highlightYaml, previewText } from '../../src/server/console/preview';
import { parseFields, type FieldSpec } from '../../src/server/console/schema-form';

const text = async (h: Html) => (await h).toString();

describe('previews of agent output', () => {
  it('renders Markdown with raw HTML escaped and javascript: links dropped', async () => {
    const out = await text(previewText('markdown', '# Hi\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))'));
    expect(out).toContain('<h1>Hi</h1>');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('href="javascript:');
  });

  it('highlights JSON and YAML with every token escaped', () => {
    const json = highlightJson(JSON.stringify({ '<b>': '</span><script>x</script>', n: 1, ok: true }));
    expect(json).toContain('<span class="tok-key">&quot;&lt;b&gt;&quot;</span>');
    expect(json).toContain('&lt;/span&gt;&lt;script&gt;');
    expect(json).toContain('<span class="tok-num">1</span>');
    expect(json).toContain('<span class="tok-lit">true</span>');
    expect(json).not.toContain('<script>');
    const yaml = highlightYaml('name: <x>\ncount: 3 # a comment\n- item');
    expect(yaml).toContain('<span class="tok-key">name</span>:');
    expect(yaml).toContain('<span class="tok-str">&lt;x&gt;</span>');
    expect(yaml).toContain('<span class="tok-num">3</span>');
    expect(yaml).toContain('<span class="tok-comment"> # a comment</span>');
  });
});

const phase = (id: string, needs: string[] = []): PhaseStatus => ({
  id, title: id, agent: 'echo', needs, state: 'pending', attempts: 0, runs: 0, usage: NO_USAGE,
});

describe('the DAG layout', () => {
  it('puts each phase one layer right of its deepest need', () => {
    const depth = layers([phase('a'), phase('b', ['a']), phase('c', ['a']), phase('d', ['b', 'c', 'a']), phase('e')]);
    expect(Object.fromEntries(depth)).toEqual({ a: 0, b: 1, c: 1, d: 2, e: 0 });
  });
});

describe('the gate panel', () => {
  const conflict = {
    kind: 'conflict', id: 'implement#1', phase: 'implement', title: 'Implement', openedAt: new Date().toISOString(),
    task: 'backend', branch: 'baton/implement.backend', worktree: '/tmp/wt', reason: 'both changed src/router.js',
    conflicts: [{ path: 'src/router.js', class: 'file', base: 'base <line>', ours: 'ours line', theirs: 'theirs line' }],
  } as OpenGate;

  it('shows a conflict with its three sides and no approve-only buttons for a non-approver', async () => {
    const out = await text(gatePanel({ runId: 'r1', gate: conflict, approvers: 'alice', refusal: 'bob is not an approver' }));
    expect(out).toContain('base &lt;line&gt;');
    expect(out).toContain('ours line');
    expect(out).toContain('theirs line');
    expect(out).toContain('bob is not an approver');
    expect(out.match(/<button[^>]*disabled/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('turns the conflict form into resolutions', () => {
    const side = parseModify({ gate: conflict }, { 'side.src/router.js': 'backend' });
    expect(side.changes).toEqual({ resolutions: { 'src/router.js': 'backend' } });
    const content = parseModify({ gate: conflict }, { 'content.src/router.js': 'merged\n' });
    expect(content.changes).toEqual({ resolutions: { 'src/router.js': { content: 'merged\n' } } });
    expect(parseModify({ gate: conflict }, {}).problems['']).toContain('Change at least one field');
  });
});

describe('generated forms', () => {
  const specs: FieldSpec[] = [
    { name: 'title', types: ['string'], required: true },
    { name: 'count', types: ['integer'], required: false },
    { name: 'ratio', types: ['number'], required: false },
    { name: 'tags', types: ['array'], required: false },
    { name: 'on', types: ['boolean'], required: false },
  ];

  it('parses posted strings to JSON types, leaving empty fields out', () => {
    expect(parseFields(specs, { title: 'x', count: '3', ratio: '0.5', tags: '["a"]', on: 'true' }, 'modify')).toEqual({
      values: { title: 'x', count: 3, ratio: 0.5, tags: ['a'], on: true },
      problems: {},
    });
    expect(parseFields(specs, { count: '' }, 'modify')).toEqual({ values: {}, problems: {} });
  });

  it('names the field of each problem', () => {
    const { problems } = parseFields(specs, { count: '2.5', ratio: 'x', tags: '[' }, 'start');
    expect(problems.title).toBe('title is required');
    expect(problems.count).toBe('count must be a whole number; got 2.5');
    expect(problems.ratio).toBe('ratio must be a number; got "x"');
    expect(problems.tags).toMatch(/^tags must be JSON \(array\)/);
  });
});

describe('the timeline while audit records are on their way', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const now = Date.UTC(2026, 0, 1, 0, 1, 0);
  const gate = (id: string, s: number) => ({ id, phase: id.split('#')[0], openedAt: t(s) }) as unknown as OpenGate;
  const status = (gates: OpenGate[], decisions: { gate: string; phase: string; at: string }[]) =>
    ({ gates, decisions }) as unknown as RunStatus;
  const entry = (type: string, s: number, extra: Record<string, unknown> = {}) =>
    ({ type, at: t(s), phase: 'draft', ...extra }) as unknown as AuditEntry;

  it('shows a gate status has opened before its record is in history', () => {
    const bars = reconcileGates(barsFromAudit([entry('phase-started', 0), entry('phase-ended', 5)], now), status([gate('draft#1', 5)], []), now);
    expect(bars.map((b) => [b.label, b.kind, b.open])).toEqual([
      ['draft run 1', 'phase', false],
      ['gate draft#1', 'gate', true],
    ]);
    expect(bars[1]!.start).toBe(Date.parse(t(5)));
  });

  it('closes a gate at its decision when status has it and the record has not come yet', () => {
    const audit = barsFromAudit([entry('phase-started', 0), entry('phase-ended', 5), entry('gate-opened', 5, { gate: 'draft#1' })], now);
    const bars = reconcileGates(audit, status([], [{ gate: 'draft#1', phase: 'draft', at: t(9) }]), now);
    expect(bars.filter((b) => b.kind === 'gate')).toEqual([
      { label: 'gate draft#1', kind: 'gate', start: Date.parse(t(5)), end: Date.parse(t(9)), open: false, gate: 'draft#1', phase: 'draft' },
    ]);
  });

  it('keeps one bar for a gate both know about', () => {
    const audit = barsFromAudit([entry('gate-opened', 5, { gate: 'draft#1' })], now);
    const bars = reconcileGates(audit, status([gate('draft#1', 5)], []), now);
    expect(bars.filter((b) => b.kind === 'gate')).toHaveLength(1);
  });

  it('names the gate of an entry read from search attributes (before the run wrote a record) and shows it once', () => {
    // A run's first second: no audit record in history yet, so the reader guesses `gate-opened` from
    // BatonPendingGates, which knows the phase only.
    const audit = barsFromAudit([entry('phase-started', 0), entry('phase-ended', 5), entry('gate-opened', 5)], now);
    const bars = reconcileGates(audit, status([gate('draft#1', 5)], []), now);
    expect(bars.filter((b) => b.kind === 'gate').map((b) => [b.label, b.open])).toEqual([['gate draft#1', true]]);
  });
});
