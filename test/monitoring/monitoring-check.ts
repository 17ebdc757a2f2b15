/**
 * Checks of the shipped dashboard and alert rules against the names the workers really export:
 * each problem names the file's field, the value and the fix.
 */
import { BATON_METRICS, type BatonMetric } from '../../src/shared/metrics';
import { SDK_METRICS } from './sdk-metrics';

/** The series names the runtime's Prometheus exporter serves for a metric (counters get `_total`). */
export function scrapedNames(metric: Pick<BatonMetric, 'name' | 'kind'>): string[] {
  if (metric.kind === 'counter') return [`${metric.name}_total`];
  if (metric.kind === 'histogram') return ['_bucket', '_sum', '_count'].map((s) => metric.name + s);
  return [metric.name];
}

const SDK_HISTOGRAM = /_latency$/;

/** Every series name a query may use: Baton's, as scraped, and the SDK's seen on a scrape. */
export const KNOWN_SERIES: ReadonlySet<string> = new Set([
  ...Object.values(BATON_METRICS).flatMap(scrapedNames),
  ...SDK_METRICS.flatMap((name) =>
    SDK_HISTOGRAM.test(name) ? ['_bucket', '_sum', '_count'].map((s) => name + s) : [name],
  ),
]);

/** The Baton or SDK series names a PromQL expression reads. */
export function seriesIn(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:baton|temporal)_[a-zA-Z0-9_]*/g) ?? [])];
}

function fixFor(name: string): string {
  const base = Object.values(BATON_METRICS).find((m) => name === m.name || name.startsWith(`${m.name}_`));
  if (base) return `use ${scrapedNames(base).join(' or ')}`;
  return 'use a name from src/shared/metrics.ts (as scraped: counters end in _total, histograms have _bucket, _sum, _count) or one of test/monitoring/sdk-metrics.ts';
}

/** Problems with the series an expression reads, `where` naming the field. */
export function checkExpr(where: string, expr: string): string[] {
  return seriesIn(expr)
    .filter((name) => !KNOWN_SERIES.has(name))
    .map((name) => `${where}: "${name}" is not a series the workers export; ${fixFor(name)}`);
}

export interface AlertRule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: { severity?: unknown };
  annotations?: { summary?: unknown; description?: unknown };
}

const SEVERITIES = ['info', 'warning', 'critical'];

/** Problems with an alert rules file (parsed YAML). */
export function checkAlertRules(doc: unknown): string[] {
  const groups = (doc as { groups?: { name?: string; rules?: AlertRule[] }[] })?.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    return ['groups: missing or empty; a rules file is `groups: [{ name, rules: [...] }]`'];
  }
  return groups.flatMap((group, g) =>
    (group.rules ?? []).flatMap((rule, r) => {
      const at = `groups[${g}].rules[${r}]${typeof rule.alert === 'string' ? ` (${rule.alert})` : ''}`;
      const problems: string[] = [];
      if (typeof rule.alert !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(rule.alert))
        problems.push(
          `${at}.alert: ${JSON.stringify(rule.alert)} is not a CamelCase alert name; name it like BatonPhaseSlow`,
        );
      if (typeof rule.expr !== 'string' || rule.expr.trim() === '')
        problems.push(`${at}.expr: missing; give the PromQL condition`);
      else problems.push(...checkExpr(`${at}.expr`, rule.expr));
      if (typeof rule.for !== 'string' || !/^\d+[smhd]$/.test(rule.for))
        problems.push(`${at}.for: ${JSON.stringify(rule.for)} is not a duration; give one like 5m`);
      if (!SEVERITIES.includes(rule.labels?.severity as string))
        problems.push(
          `${at}.labels.severity: ${JSON.stringify(rule.labels?.severity)} is not one of ${SEVERITIES.join(', ')}`,
        );
      for (const key of ['summary', 'description'] as const) {
        if (typeof rule.annotations?.[key] !== 'string')
          problems.push(`${at}.annotations.${key}: missing; say what fired and what to do`);
      }
      return problems;
    }),
  );
}

interface Panel {
  title?: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
}

/** Problems with a Grafana dashboard (parsed JSON). */
export function checkDashboard(doc: unknown): string[] {
  const dashboard = doc as {
    schemaVersion?: unknown;
    templating?: { list?: { name?: string; type?: string; query?: unknown }[] };
    panels?: Panel[];
  };
  const problems: string[] = [];
  if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 36)
    problems.push(
      `schemaVersion: ${JSON.stringify(dashboard.schemaVersion)} is older than Grafana 9; use 39`,
    );
  const variable = dashboard.templating?.list?.find((v) => v.name === 'datasource');
  if (variable?.type !== 'datasource' || variable.query !== 'prometheus')
    problems.push(
      'templating.list: needs a variable "datasource" of type datasource with query "prometheus"',
    );
  (dashboard.panels ?? [])
    .filter((panel) => panel.type !== 'row')
    .forEach((panel, i) => {
      const at = `panels[${i}] (${panel.title ?? 'untitled'})`;
      if (panel.datasource?.uid !== '${datasource}')
        problems.push(
          `${at}.datasource.uid: ${JSON.stringify(panel.datasource?.uid)}; use "\${datasource}" so the import picks the data source`,
        );
      if (!panel.targets?.length) problems.push(`${at}.targets: none; give the panel a query`);
      (panel.targets ?? []).forEach((target, t) => {
        if (typeof target.expr !== 'string' || !target.expr)
          problems.push(`${at}.targets[${t}].expr: missing`);
        else problems.push(...checkExpr(`${at}.targets[${t}].expr`, target.expr));
      });
    });
  return problems;
}

/** Every expression of a dashboard, for coverage checks. */
export const dashboardExprs = (doc: { panels?: Panel[] }): string[] =>
  (doc.panels ?? []).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
