import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BATON_METRICS } from '../../src/shared/metrics';
import {
  checkAlertRules,
  checkDashboard,
  dashboardExprs,
  scrapedNames,
  seriesIn,
  type AlertRule,
} from './monitoring-check';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const dashboard = JSON.parse(read('monitoring/grafana-dashboard.json')) as Parameters<
  typeof dashboardExprs
>[0];
const alerts = parse(read('monitoring/prometheus-alerts.yml')) as { groups: { rules: AlertRule[] }[] };
const rules = alerts.groups.flatMap((g) => g.rules);
const rule = (name: string) => {
  const found = rules.find((r) => r.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found as AlertRule & { expr: string; for: string };
};

describe('monitoring/grafana-dashboard.json', () => {
  it('uses only series the workers export, through the datasource variable', () => {
    expect(checkDashboard(dashboard)).toEqual([]);
  });

  it('has a panel for every Baton metric', () => {
    const used = new Set(dashboardExprs(dashboard).flatMap(seriesIn));
    const missing = Object.values(BATON_METRICS).filter((m) => !scrapedNames(m).some((n) => used.has(n)));
    expect(missing.map((m) => m.name)).toEqual([]);
    // And some of the SDK's own.
    expect(used).toContain('temporal_workflow_task_execution_latency_bucket');
    expect(used).toContain('temporal_activity_execution_failed_total');
  });
});

describe('monitoring/prometheus-alerts.yml', () => {
  it('is valid: known series, for, severity and annotations on every rule', () => {
    expect(rules.length).toBeGreaterThanOrEqual(5);
    expect(checkAlertRules(alerts)).toEqual([]);
  });

  it("carries the seed's thresholds", () => {
    const slow = rule('BatonPhaseSlow');
    expect(slow.expr).toMatch(
      /histogram_quantile\(0\.95,[\s\S]*baton_phase_duration_bucket\[5m\][\s\S]*\)\s*>\s*30$/,
    );
    const failing = rule('BatonPhaseFailureRateHigh');
    expect(failing.expr).toContain('baton_phase_failures_total');
    expect(failing.expr).toMatch(/>\s*0\.1$/);
    const memory = rule('BatonWorkerMemoryHigh');
    expect(memory.expr).toMatch(/^baton_worker_rss_bytes > 400 \* 1024 \* 1024$/);
    const gate = rule('BatonGateWaitingOverAnHour');
    expect(gate.expr).toContain('baton_open_gates');
    expect(gate.for).toBe('1h');
    expect(rule('BatonNotificationFailures').expr).toContain('baton_notification_failures_total');
  });
});

describe('the checks refuse bad files, naming the field, the value and the fix', () => {
  const good = (): AlertRule => ({
    alert: 'BatonX',
    expr: 'baton_open_gates > 0',
    for: '5m',
    labels: { severity: 'warning' },
    annotations: { summary: 's', description: 'd' },
  });
  const problems = (change: Partial<AlertRule>) =>
    checkAlertRules({ groups: [{ name: 'b', rules: [{ ...good(), ...change }] }] });

  it.each([
    [
      'a counter without _total',
      { expr: 'rate(baton_decisions[5m]) > 0' },
      '"baton_decisions" is not a series the workers export; use baton_decisions_total',
    ],
    [
      'a histogram without _bucket',
      { expr: 'baton_phase_duration > 30' },
      'use baton_phase_duration_bucket or baton_phase_duration_sum or baton_phase_duration_count',
    ],
    [
      'a misspelt metric',
      { expr: 'baton_worker_memory_bytes > 1' },
      '"baton_worker_memory_bytes" is not a series',
    ],
    [
      'an SDK metric not exported',
      { expr: 'temporal_workflow_task_failed_total > 0' },
      'groups[0].rules[0] (BatonX).expr: "temporal_workflow_task_failed_total"',
    ],
    ['no for', { for: undefined }, '.for: undefined is not a duration; give one like 5m'],
    ['a bad for', { for: 'five minutes' }, '.for: "five minutes" is not a duration'],
    ['no severity', { labels: {} }, '.labels.severity: undefined is not one of info, warning, critical'],
    ['no annotations', { annotations: {} }, '.annotations.summary: missing'],
    ['a bad alert name', { alert: 'phase slow' }, '.alert: "phase slow" is not a CamelCase alert name'],
  ])('alert rule with %s', (_what, change, expected) => {
    expect(problems(change).join('\n')).toContain(expected);
  });

  it('a rules file without groups', () => {
    expect(checkAlertRules({ rules: [] })).toEqual([expect.stringContaining('groups: missing or empty')]);
  });

  it('a dashboard without the datasource variable, with a fixed data source and an unknown series', () => {
    const bad = {
      schemaVersion: 39,
      templating: { list: [] },
      panels: [
        {
          title: 'P',
          type: 'timeseries',
          datasource: { uid: 'abc' },
          targets: [{ expr: 'baton_gate_wait_seconds_bucket' }],
        },
      ],
    };
    const found = checkDashboard(bad).join('\n');
    expect(found).toContain('needs a variable "datasource" of type datasource');
    expect(found).toContain('panels[0] (P).datasource.uid: "abc"');
    expect(found).toContain(
      '"baton_gate_wait_seconds_bucket" is not a series the workers export; use baton_gate_wait_bucket',
    );
  });
});

describe('docs/metrics.md', () => {
  const doc = read('docs/metrics.md');
  // The table of Baton's metrics: its own section, before the SDK's.
  const section = doc.slice(doc.indexOf("## Baton's metrics"), doc.indexOf("## The SDK's metrics"));
  it.each(Object.values(BATON_METRICS).map((m) => [m.name, m] as const))(
    'documents %s with its labels',
    (_name, metric) => {
      const [scraped] = scrapedNames(metric);
      const line = section
        .split('\n')
        .find(
          (l) =>
            l.startsWith('|') && l.includes(`\`${metric.kind === 'histogram' ? metric.name : scraped}\``),
        );
      expect(line, `a table row for ${scraped}`).toBeDefined();
      expect(line).toContain(metric.kind);
      for (const label of metric.labels) expect(line).toContain(`\`${label}\``);
    },
  );

  it('names the variable, both files and how to load them', () => {
    for (const text of [
      'BATON_METRICS_ADDRESS',
      'monitoring/grafana-dashboard.json',
      'monitoring/prometheus-alerts.yml',
      'rule_files',
      'scrape_configs',
    ])
      expect(doc).toContain(text);
  });
});
