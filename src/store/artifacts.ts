/**
 * The artifact store: content-addressed files outside history. Workers write it; the client's
 * `baton artifact` reads it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { batonHome } from '../config/home';
import type { ArtifactRef } from '../shared/status';

/** Payloads above this many bytes never enter history: they are stored and referenced. */
export const INLINE_LIMIT_BYTES = 64 * 1024;

/**
 * The media type of an artifact that holds a symlink's text (where it points), not a file's bytes:
 * a changed file that is a link is never followed, so its target (say /etc/passwd) is never stored.
 */
export const SYMLINK_MEDIA_TYPE = 'inode/symlink';

const URI_PREFIX = 'baton-artifact://sha256/';

const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.md': 'text/markdown',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/typescript',
  '.java': 'text/x-java',
  '.xml': 'application/xml',
  '.html': 'text/html',
  '.log': 'text/plain',
  '.txt': 'text/plain',
};

export function guessMediaType(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function defaultArtifactRoot(): string {
  return process.env.BATON_ARTIFACTS_DIR ?? join(batonHome(), 'artifacts');
}

export interface ArtifactStore {
  root: string;
  put(artifact: { name: string; content: string | Uint8Array; mediaType?: string }): Promise<ArtifactRef>;
  get(uri: string): Promise<Buffer>;
}

/** The sha256 hex digest named by an artifact URI, or an error that says what a URI looks like. */
function digestOf(uri: string): string {
  const digest = uri.startsWith(URI_PREFIX) ? uri.slice(URI_PREFIX.length) : '';
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    throw new Error(
      `"${uri}" is not an artifact URI; they look like ${URI_PREFIX}<64 hex digits> (see \`baton artifacts <run>\`)`,
    );
  }
  return digest;
}

/**
 * A content-addressed store in a local directory: the same bytes are stored once, writes are atomic
 * (temp file, then rename), so a retried activity can put the same artifact again safely.
 */
export function createArtifactStore(root: string = defaultArtifactRoot()): ArtifactStore {
  const pathOf = (digest: string) => join(root, 'sha256', digest.slice(0, 2), digest);
  return {
    root,
    async put({ name, content, mediaType }) {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const path = pathOf(sha256);
      const present = await stat(path).then(
        (s) => s.size === bytes.length,
        () => false,
      );
      if (!present) {
        await mkdir(dirname(path), { recursive: true });
        const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(temp, bytes);
        await rename(temp, path);
      }
      return {
        uri: `${URI_PREFIX}${sha256}`,
        sha256,
        bytes: bytes.length,
        mediaType: mediaType ?? guessMediaType(name),
        name,
      };
    },
    async get(uri) {
      const digest = digestOf(uri);
      try {
        return await readFile(pathOf(digest));
      } catch (cause) {
        throw new Error(
          `Artifact ${uri} is not in the store at ${root} (set BATON_ARTIFACTS_DIR to the worker's store)`,
          { cause },
        );
      }
    },
  };
}
