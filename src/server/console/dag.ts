/**
 * The phase DAG as an SVG: phases in layers by `needs` depth (a phase sits one layer right of its
 * deepest need), edges from each need to its dependent, each box coloured by the phase's state.
 */
import { html, raw } from 'hono/html';
import type { PhaseStatus } from '../../shared/status';
import type { Html } from './layout';
import { escapeHtml } from './preview';

const BOX = { w: 168, h: 44, gapX: 56, gapY: 18, pad: 12 };

/** Each phase's layer: 0 with no needs, else one more than its deepest need (needs on unknown phases count 0). */
export function layers(phases: readonly PhaseStatus[]): Map<string, number> {
  const byId = new Map(phases.map((p) => [p.id, p]));
  const depth = new Map<string, number>();
  const visit = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const phase = byId.get(id);
    if (!phase || seen.has(id)) return 0;
    seen.add(id);
    const d = phase.needs.length === 0 ? 0 : 1 + Math.max(...phase.needs.map((n) => (byId.has(n) ? visit(n, seen) : -1)));
    depth.set(id, d);
    return d;
  };
  for (const p of phases) visit(p.id, new Set());
  return depth;
}

export interface Placed {
  phase: PhaseStatus;
  x: number;
  y: number;
}

/** Box positions: layers left to right, phases of a layer top to bottom in definition order. */
export function place(phases: readonly PhaseStatus[]): { placed: Placed[]; width: number; height: number } {
  const depth = layers(phases);
  const rows = new Map<number, number>();
  const placed = phases.map((phase) => {
    const layer = depth.get(phase.id) ?? 0;
    const row = rows.get(layer) ?? 0;
    rows.set(layer, row + 1);
    return { phase, x: BOX.pad + layer * (BOX.w + BOX.gapX), y: BOX.pad + row * (BOX.h + BOX.gapY) };
  });
  const maxLayer = Math.max(0, ...depth.values());
  const maxRows = Math.max(1, ...rows.values());
  return {
    placed,
    width: 2 * BOX.pad + (maxLayer + 1) * BOX.w + maxLayer * BOX.gapX,
    height: 2 * BOX.pad + maxRows * BOX.h + (maxRows - 1) * BOX.gapY,
  };
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function dagSvg(phases: readonly PhaseStatus[]): Html {
  const { placed, width, height } = place(phases);
  const at = new Map(placed.map((p) => [p.phase.id, p]));
  const edges = placed.flatMap(({ phase, x, y }) =>
    phase.needs.flatMap((need) => {
      const from = at.get(need);
      if (!from) return [];
      const x1 = from.x + BOX.w;
      const y1 = from.y + BOX.h / 2;
      const y2 = y + BOX.h / 2;
      const mid = (x1 + x) / 2;
      return [`<path class="edge" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x},${y2}" marker-end="url(#arrow)"/>`];
    }),
  );
  const nodes = placed.map(
    ({ phase, x, y }) =>
      `<a href="#phase-${escapeHtml(phase.id)}" class="node state-${escapeHtml(phase.state)}" data-phase="${escapeHtml(phase.id)}" data-state="${escapeHtml(phase.state)}">` +
      `<title>${escapeHtml(`${phase.id}: ${phase.state}`)}</title>` +
      `<rect x="${x}" y="${y}" width="${BOX.w}" height="${BOX.h}" rx="6"/>` +
      `<text x="${x + 10}" y="${y + 18}" class="name">${escapeHtml(cut(phase.id, 22))}</text>` +
      `<text x="${x + 10}" y="${y + 35}" class="sub">${escapeHtml(cut(`${phase.state} · ${phase.agent}`, 26))}</text></a>`,
  );
  return html`<svg class="dag" data-testid="dag" role="img" aria-label="Phase graph: ${phases.map((p) => `${p.id} ${p.state}`).join(', ')}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
${raw(edges.join(''))}${raw(nodes.join(''))}
</svg>`;
}
