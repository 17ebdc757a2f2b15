/**
 * An index of the `Baton-Key` trailers in a repository's history, so the idempotency lookup before
 * every agent (has this run of the phase been committed already?) reads a few small files instead
 * of starting `git log` (about 10 ms in a busy worker, most of the wait between an approval and the
 * next agent running).
 *
 * The index lives in the repository's git directory (`baton-keys/`, outside the work tree, so no
 * commit ever holds it): one empty file per key (its name the key's SHA-256), and `HEAD`, the commit
 * HEAD pointed at when the index was last complete. The index answers only when HEAD still points
 * there: then every commit reachable from HEAD has its key in the index, and a key that has no file
 * was never committed. Anything else (HEAD moved by a merge, a reset, another process, a crash
 * between a commit and the index update, packed or unreadable refs) sends the lookup to `git log`,
 * which then rebuilds the index. A key that has a file also goes to `git log`: that is a retry, the
 * rare case, and git tells the commit.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

const INDEX = 'baton-keys';
/** The trailer line every phase commit carries, before its key. */
export const TRAILER = 'Baton-Key: ';

const fileOf = (key: string) => createHash('sha256').update(key).digest('hex');
const read = (path: string) =>
  readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );

/** The repository's git directory and its common directory (they differ in a linked worktree). */
async function gitDirsOf(dir: string): Promise<{ gitDir: string; commonDir: string } | undefined> {
  const dotGit = join(dir, '.git');
  const kind = await stat(dotGit).catch(() => undefined);
  if (!kind) return undefined;
  if (kind.isDirectory()) return { gitDir: dotGit, commonDir: dotGit };
  // A linked worktree: `.git` is a file naming its git directory, which names the common one.
  const pointer = /^gitdir: (.+)$/m.exec((await read(dotGit)) ?? '')?.[1];
  if (!pointer) return undefined;
  const gitDir = isAbsolute(pointer) ? pointer : resolve(dir, pointer);
  const common = await read(join(gitDir, 'commondir'));
  return { gitDir, commonDir: common ? resolve(gitDir, common) : gitDir };
}

const HASH = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The commit HEAD points at, read from git's files; undefined when they are not plain files. */
async function headCommit(gitDir: string, commonDir: string): Promise<string | undefined> {
  let target = await read(join(gitDir, 'HEAD'));
  for (let depth = 0; target !== undefined && depth < 5; depth++) {
    if (HASH.test(target)) return target;
    const ref = /^ref: (refs\/\S+)$/.exec(target)?.[1];
    if (!ref) return undefined;
    target = (await read(join(gitDir, ref))) ?? (await read(join(commonDir, ref)));
    if (target === undefined) {
      // A packed ref: `<hash> <ref>` lines in packed-refs.
      const packed = (await read(join(commonDir, 'packed-refs'))) ?? '';
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      target = line?.split(' ')[0];
    }
  }
  return undefined;
}

export interface KeyIndex {
  /** True when the index is complete for the current HEAD and holds no file for `key`. */
  absent(key: string): Promise<boolean>;
  /** Rebuilds the index from `git log`'s keys, read at `head` (what HEAD was before the log ran). */
  rebuild(head: string | undefined, keys: Iterable<string>): Promise<void>;
  /** HEAD's commit now, or undefined when it cannot be read from the files. */
  head(): Promise<string | undefined>;
  /** After a commit: adds its key when the index was complete for the commit's parent. */
  committed(parent: string | undefined, commit: string, key: string): Promise<void>;
}

/** The key index of the repository at `dir`; one that cannot be located answers nothing. */
export async function keyIndexOf(dir: string): Promise<KeyIndex> {
  const dirs = await gitDirsOf(dir);
  const indexDir = dirs && join(dirs.gitDir, INDEX);
  const head = async () => (dirs ? headCommit(dirs.gitDir, dirs.commonDir) : undefined);
  const indexedHead = async () => (indexDir ? read(join(indexDir, 'HEAD')) : undefined);
  // HEAD last: a crash half-way leaves the old HEAD file, or none, and the next lookup rebuilds.
  const setHead = async (commit: string) => {
    if (!indexDir) return;
    const temporary = join(indexDir, `HEAD.${process.pid}.tmp`);
    await writeFile(temporary, `${commit}\n`);
    await rename(temporary, join(indexDir, 'HEAD'));
  };
  const add = async (key: string) => {
    if (indexDir) await writeFile(join(indexDir, fileOf(key)), '');
  };
  return {
    head,
    async absent(key) {
      if (!indexDir) return false;
      const [now, indexed] = await Promise.all([head(), indexedHead()]);
      if (now === undefined || now !== indexed) return false;
      return !(await stat(join(indexDir, fileOf(key))).then(
        () => true,
        () => false,
      ));
    },
    async rebuild(at, keys) {
      if (!indexDir || at === undefined) return;
      await mkdir(indexDir, { recursive: true });
      for (const key of keys) await add(key);
      // Only if HEAD did not move while git read the history.
      if ((await head()) === at) await setHead(at);
    },
    async committed(parent, commit, key) {
      if (!indexDir || parent === undefined || (await indexedHead()) !== parent) return;
      await add(key);
      await setHead(commit);
    },
  };
}

/** The `Baton-Key` trailers of `git log -z --format=%H%n%B` output, by key (the newest commit first). */
export function keysInLog(out: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of out.split('\0')) {
    const [commit, ...body] = entry.trim().split('\n');
    if (!commit) continue;
    for (const line of body) {
      const trimmed = line.trim();
      if (trimmed.startsWith(TRAILER) && !keys.has(trimmed.slice(TRAILER.length)))
        keys.set(trimmed.slice(TRAILER.length), commit);
    }
  }
  return keys;
}
