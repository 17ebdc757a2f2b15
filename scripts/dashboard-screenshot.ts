/**
 * Renders a captured tmux pane (`tmux capture-pane -e -p`, ANSI colours) to an SVG:
 *   tmux capture-pane -e -p -t baton | npx tsx scripts/dashboard-screenshot.ts docs/images/dashboard.svg [columns]
 * The dashboard test does the same (BATON_DASHBOARD_SCREENSHOT=1) against live runs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ansiToSvg } from '../src/client/monitor/ansi-svg';

const [out = 'docs/images/dashboard.svg', columns = '120'] = process.argv.slice(2);
writeFileSync(
  out,
  ansiToSvg(readFileSync(0, 'utf8'), { columns: Number(columns), title: 'baton dashboard' }),
);
console.log(`wrote ${out}`);
