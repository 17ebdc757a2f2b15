/**
 * `pom.xml`: one entry per `<dependency>` block, keyed by `groupId:artifactId`. The rest of the
 * file may change on one side only; the merged dependencies are written into that side's text.
 */
import type { Manifest, ManifestMerge } from './manifest';
import { bothChanged, mergeEntries } from './entries';
import { higherCompatible } from './versions';

const BLOCK = /[ \t]*<dependency>[\s\S]*?<\/dependency>[ \t]*\r?\n?/g;
const tag = (block: string, name: string) =>
  new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(block)?.[1];
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

function blocks(text: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of (text ?? '').matchAll(BLOCK)) {
    const block = match[0];
    found.set(`${tag(block, 'groupId') ?? ''}:${tag(block, 'artifactId') ?? ''}`, block);
  }
  return found;
}

const same = (a: string | undefined, b: string | undefined) =>
  a === b || (a !== undefined && b !== undefined && squash(a) === squash(b));
const outside = (text: string | undefined) => squash((text ?? '').replace(BLOCK, '<dependency/>'));

/** Writes `merged` into `text`: changed blocks replaced, removed ones dropped, new ones appended. */
function writeInto(text: string, merged: ReadonlyMap<string, string>): string | undefined {
  const present = blocks(text);
  let out = text.replace(BLOCK, (block) => {
    const key = `${tag(block, 'groupId') ?? ''}:${tag(block, 'artifactId') ?? ''}`;
    const next = merged.get(key);
    return next === undefined ? '' : next;
  });
  const added = [...merged].filter(([key]) => !present.has(key)).map(([, block]) => block);
  if (added.length === 0) return out;
  // Into the project's own <dependencies>, not <dependencyManagement>'s.
  const after = out.indexOf('</dependencyManagement>');
  const close = out.indexOf('</dependencies>', after < 0 ? 0 : after);
  if (close < 0) return undefined;
  const lineStart = out.lastIndexOf('\n', close) + 1;
  out =
    out.slice(0, lineStart) +
    added.map((b) => (b.endsWith('\n') ? b : `${b}\n`)).join('') +
    out.slice(lineStart);
  return out;
}

function merge(baseText: string | undefined, oursText: string, theirsText: string): ManifestMerge {
  const merged = mergeEntries(blocks(baseText), blocks(oursText), blocks(theirsText), same, (name, o, t) => {
    const [vo, vt] = [tag(o, 'version'), tag(t, 'version')];
    if (vo === undefined || vt === undefined) return { problem: `${name}: a side gives no <version>` };
    const pick = higherCompatible(name, vo, vt);
    return 'problem' in pick ? pick : { value: pick.value === vo ? o : t, detail: pick.detail };
  });
  if (merged.problems.length) return { problems: merged.problems };
  const [b, o, t] = [outside(baseText), outside(oursText), outside(theirsText)];
  if (o !== b && t !== b && o !== t)
    return { problems: ['pom.xml changed on both sides outside its dependencies'] };
  const content = writeInto(o === b ? theirsText : oursText, merged.merged);
  return content === undefined
    ? { problems: ['pom.xml has no <dependencies> to add the new dependencies to'] }
    : { content, details: merged.details };
}

export const pomXml: Manifest = {
  name: 'pom.xml',
  matches: (path) => /(^|\/)pom\.xml$/.test(path),
  touchesDependencies: (b, o, t) => bothChanged(blocks(b), blocks(o), blocks(t), same),
  merge,
};
