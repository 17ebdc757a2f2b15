/**
 * Terminal text with ANSI colours (what `tmux capture-pane -e -p` gives) → an SVG of monospace
 * text with the colours kept: the dashboard's screenshot in docs/images is made from a real pane.
 * Knows the SGR codes a terminal view uses: reset, bold, dim, inverse and the 16 colours.
 */
const PALETTE = [
  '#1e1e1e',
  '#e06c75',
  '#98c379',
  '#e5c07b',
  '#61afef',
  '#c678dd',
  '#56b6c2',
  '#dcdfe4',
  '#5c6370',
  '#ff7b86',
  '#b5e890',
  '#ffd68a',
  '#82c4ff',
  '#e09cf5',
  '#7fd8e3',
  '#ffffff',
] as const;
const FG = PALETTE[7];
const BG = PALETTE[0];

interface Pen {
  fg?: number;
  bg?: number;
  bold: boolean;
  dim: boolean;
  inverse: boolean;
}

const PLAIN: Pen = { bold: false, dim: false, inverse: false };

/** What one SGR parameter does to the pen; unknown ones change nothing. */
function apply(pen: Pen, codes: number[]): Pen {
  let next = { ...pen };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c === 0) next = { ...PLAIN };
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 22) next = { ...next, bold: false, dim: false };
    else if (c === 7) next.inverse = true;
    else if (c === 27) next.inverse = false;
    else if (c >= 30 && c <= 37) next.fg = c - 30;
    else if (c >= 90 && c <= 97) next.fg = c - 90 + 8;
    else if (c === 39) delete next.fg;
    else if (c >= 40 && c <= 47) next.bg = c - 40;
    else if (c >= 100 && c <= 107) next.bg = c - 100 + 8;
    else if (c === 49) delete next.bg;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      const n = codes[i + 2] ?? 7;
      if (n < 16) next[c === 38 ? 'fg' : 'bg'] = n;
      i += 2;
    }
  }
  return next;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Span {
  text: string;
  pen: Pen;
}

/** One line's text, cut where the pen changes. */
// Escape sequences are what this reads: the control character is the point.
/* eslint-disable no-control-regex */
const SGR_SPLIT = /(\x1b\[[0-9;]*m)/;
const SGR_ONE = /^\x1b\[([0-9;]*)m$/;
const OTHER_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;
/* eslint-enable no-control-regex */

function spansOf(line: string, start: Pen): { spans: Span[]; pen: Pen } {
  const spans: Span[] = [];
  let pen = start;
  for (const part of line.split(SGR_SPLIT)) {
    const sgr = SGR_ONE.exec(part);
    if (sgr) pen = apply(pen, (sgr[1] || '0').split(';').map(Number));
    // Other escapes (cursor moves) have no place in a captured pane; drop what is left of them.
    else if (part) spans.push({ text: part.replace(OTHER_ESCAPE, ''), pen });
  }
  return { spans, pen };
}

export interface SvgOptions {
  columns: number;
  title?: string;
}

/** The SVG of a captured pane: one `<text>` per line, a `<tspan>` (and a background) per coloured run. */
export function ansiToSvg(capture: string, { columns, title }: SvgOptions): string {
  const cw = 8.4;
  const lh = 18;
  const pad = 12;
  const lines = capture.replace(/\n+$/, '').split('\n');
  const width = Math.ceil(columns * cw + 2 * pad);
  const height = Math.ceil(lines.length * lh + 2 * pad);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...(title ? [`<title>${xml(title)}</title>`] : []),
    `<rect width="100%" height="100%" rx="6" fill="${BG}"/>`,
    `<g font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">`,
  ];
  let pen: Pen = { ...PLAIN };
  lines.forEach((line, row) => {
    const read = spansOf(line, pen);
    pen = read.pen;
    const y = pad + row * lh;
    let col = 0;
    const tspans: string[] = [];
    for (const { text, pen: p } of read.spans) {
      const chars = [...text].length;
      let fg = p.fg === undefined ? FG : PALETTE[p.bold && p.fg < 8 ? p.fg + 8 : p.fg];
      let bg = p.bg === undefined ? undefined : PALETTE[p.bg];
      if (p.inverse) [fg, bg] = [bg ?? BG, fg];
      if (bg)
        out.push(
          `<rect x="${(pad + col * cw).toFixed(1)}" y="${y}" width="${(chars * cw).toFixed(1)}" height="${lh}" fill="${bg}"/>`,
        );
      const attrs = [
        `fill="${fg}"`,
        ...(p.bold ? ['font-weight="bold"'] : []),
        ...(p.dim ? ['opacity="0.6"'] : []),
      ];
      tspans.push(`<tspan x="${(pad + col * cw).toFixed(1)}" ${attrs.join(' ')}>${xml(text)}</tspan>`);
      col += chars;
    }
    if (tspans.length) out.push(`<text y="${y + 14}">${tspans.join('')}</text>`);
  });
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}
