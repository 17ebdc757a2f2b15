/**
 * Fixing relative JS/TS import specifiers after a file moved: `./types`, `./types.js` (TypeScript's
 * ESM form for `types.ts`), `../lib` (its `index`), in `import … from`, `import()`, `require()`.
 */
import { posix } from 'node:path';

export interface Move {
  from: string;
  to: string;
}

export const isCode = (path: string) => /\.(m|c)?[jt]sx?$/.test(path);

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*)\2/g;
const EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
const stem = (path: string) => posix.basename(path).replace(/\.[^.]*$/, '');

/** How the specifier reaches `target` from `importer`: as the file itself, or as its folder's index. */
function reach(importer: string, spec: string, target: string): 'file' | 'index' | undefined {
  const joined = posix.normalize(posix.join(posix.dirname(importer), spec));
  const bare = joined.replace(/\.(m|c)?jsx?$/, '');
  if (joined === target || EXTENSIONS.some((ext) => joined + ext === target || bare + ext === target)) {
    return 'file';
  }
  return EXTENSIONS.some((ext) => `${joined}/index${ext}` === target) ? 'index' : undefined;
}

function moved(importer: string, spec: string, moves: readonly Move[]): string | undefined {
  for (const move of moves) {
    const how = reach(importer, spec, move.from);
    if (how === 'index') return `${spec.replace(/\/$/, '')}/${stem(move.to)}`;
    if (how === 'file') {
      const cut = spec.lastIndexOf('/') + 1;
      const last = spec.slice(cut);
      return spec.slice(0, cut) + stem(move.to) + last.slice(stem(move.from).length);
    }
  }
  return undefined;
}

/**
 * The text with its specifiers of moved files pointing at their new place. `keep` says which lines
 * may change (a file both sides edited: only the task's own lines), and the count of rewrites.
 */
export function rewriteImports(
  importer: string,
  text: string,
  moves: readonly Move[],
  mayChange: (line: string) => boolean = () => true,
): { text: string; count: number } {
  let count = 0;
  const lines = text.split('\n').map((line) => {
    if (!mayChange(line)) return line;
    return line.replace(SPECIFIER, (whole, lead: string, quote: string, spec: string) => {
      const next = moved(importer, spec, moves);
      if (next === undefined) return whole;
      count++;
      return `${lead}${quote}${next}${quote}`;
    });
  });
  return { text: lines.join('\n'), count };
}
