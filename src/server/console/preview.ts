/**
 * Previews of what agents produced: Markdown rendered (markdown-it with raw HTML off, so agent
 * output cannot inject markup), JSON and YAML highlighted by a small tokenizer that escapes every
 * token, and diffs coloured by line. Agent output is hostile input: nothing here trusts it.
 */
import MarkdownIt from 'markdown-it';
import { html, raw } from 'hono/html';
import type { Html } from './layout';

// html: false escapes raw HTML; links are checked by markdown-it's validateLink (no javascript:).
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** At most this many characters of one preview; the rest is cut and said so. */
export const PREVIEW_CHARS = 200_000;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);

const span = (kind: string, text: string) => `<span class="tok-${kind}">${escapeHtml(text)}</span>`;

// Strings, numbers, literals, punctuation, whitespace, and anything else one character at a time.
const JSON_TOKEN = /("(?:[^"\\]|\\.)*"?)(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}[\],])|(\s+)|([^])/gy;

export function highlightJson(text: string): string {
  let out = '';
  for (const m of text.matchAll(JSON_TOKEN)) {
    const [, str, colon, num, lit, punct, space, other] = m;
    if (str !== undefined) out += span(colon ? 'key' : 'str', str) + (colon ? escapeHtml(colon) : '');
    else if (num !== undefined) out += span('num', num);
    else if (lit !== undefined) out += span('lit', lit);
    else if (punct !== undefined) out += span('punct', punct);
    else out += escapeHtml(space ?? other ?? '');
  }
  return out;
}

// One YAML line: indent, an optional "- ", an optional "key:", the value, an optional comment.
const YAML_LINE = /^(\s*(?:-\s+)?)(?:([^\s#'"][^:#]*?|"[^"]*"|'[^']*')(:)(?=\s|$))?(.*?)(\s+#.*|^#.*)?$/;

function yamlValue(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') return escapeHtml(value);
  const lead = value.slice(0, value.length - value.trimStart().length);
  if (/^(true|false|null|~|yes|no)$/i.test(trimmed)) return escapeHtml(lead) + span('lit', trimmed);
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return escapeHtml(lead) + span('num', trimmed);
  return escapeHtml(lead) + span('str', trimmed);
}

export function highlightYaml(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*#/.test(line)) return span('comment', line);
      const m = YAML_LINE.exec(line);
      if (!m) return escapeHtml(line);
      const [, lead = '', key, colon, value = '', comment] = m;
      return (
        escapeHtml(lead) +
        (key !== undefined ? span('key', key) + escapeHtml(colon ?? '') : '') +
        yamlValue(value) +
        (comment ? span('comment', comment) : '')
      );
    })
    .join('\n');
}

export function highlightDiff(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ')) return span('file', line);
      if (line.startsWith('@@')) return span('hunk', line);
      if (line.startsWith('+')) return span('add', line);
      if (line.startsWith('-')) return span('del', line);
      return escapeHtml(line);
    })
    .join('\n');
}

export type PreviewKind = 'markdown' | 'json' | 'yaml' | 'diff' | 'text' | 'binary';

export function previewKind(name: string, bytes: Uint8Array): PreviewKind {
  if (bytes.subarray(0, 8000).includes(0)) return 'binary';
  const lower = name.toLowerCase();
  if (/\.(md|markdown)$/.test(lower)) return 'markdown';
  if (/\.json$/.test(lower)) return 'json';
  if (/\.ya?ml$/.test(lower)) return 'yaml';
  if (/\.(diff|patch)$/.test(lower)) return 'diff';
  return 'text';
}

/** A preview of a file's bytes by its kind; a binary file is only named. */
export function preview(name: string, bytes: Uint8Array): Html {
  const kind = previewKind(name, bytes);
  if (kind === 'binary') return html`<p class="muted">Binary file (${bytes.length} bytes): no preview.</p>`;
  const full = new TextDecoder().decode(bytes);
  const text = full.slice(0, PREVIEW_CHARS);
  const cut = full.length > text.length ? html`<p class="muted">Cut at ${PREVIEW_CHARS} characters.</p>` : '';
  return html`${previewText(kind, text)}${cut}`;
}

export function previewText(kind: Exclude<PreviewKind, 'binary'>, text: string): Html {
  if (kind === 'markdown') return html`<div class="markdown">${raw(markdown.render(text))}</div>`;
  const code = kind === 'json' ? highlightJson(text) : kind === 'yaml' ? highlightYaml(text) : kind === 'diff' ? highlightDiff(text) : escapeHtml(text);
  return html`<pre class="code ${kind}"><code>${raw(code)}</code></pre>`;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.includes('\n');

/**
 * A phase output (any JSON value): a long string is rendered as Markdown; an object's long string
 * fields (a report, a spec) are rendered as Markdown above the whole value, highlighted as JSON.
 */
export function previewValue(value: unknown): Html {
  if (isText(value)) return previewText('markdown', value.slice(0, PREVIEW_CHARS));
  const texts =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).filter((e): e is [string, string] => isText(e[1])).slice(0, 5)
      : [];
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  return html`${texts.map(([key, md]) => html`<h5>${key}</h5>${previewText('markdown', md.slice(0, PREVIEW_CHARS))}`)}
    ${texts.length ? html`<details><summary>As JSON</summary>${previewText('json', text.slice(0, PREVIEW_CHARS))}</details>` : previewText('json', text.slice(0, PREVIEW_CHARS))}`;
}
