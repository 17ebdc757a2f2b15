/** `server:` in baton.config: users with hashed tokens; bad values are named with their fix. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

async function load(settings: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'baton-server-config-'));
  await writeFile(join(dir, 'baton.config.json'), JSON.stringify(settings));
  return loadConfig({ cwd: dir, env: {} });
}
const problem = (settings: Record<string, unknown>) =>
  load(settings).then(
    () => 'loaded',
    (error: unknown) => (error as Error).message,
  );
const HASH = 'a'.repeat(64);

describe('server settings in baton.config', () => {
  it('are read onto the config', async () => {
    const config = await load({
      server: { users: { alice: { tokenSha256: HASH } }, publicRead: true },
      roles: { lead: ['alice'] },
    });
    expect(config.server).toEqual({ users: { alice: { tokenSha256: HASH } }, publicRead: true });
  });

  it('refuse a token in place of its hash, a bad user name and unknown keys, each with the fix', async () => {
    expect(await problem({ server: { users: { alice: { tokenSha256: 'baton_secret' } } } })).toMatch(
      /server\.users\.alice\.tokenSha256: tokenSha256 is the sha256 of the token as 64 lower-case hex digits, never the token itself; mint one with `baton serve token <user>`/,
    );
    expect(await problem({ server: { users: { 'a b': { tokenSha256: HASH } } } })).toMatch(
      /server\.users\.a b: user names are letters, digits and \. _ @ \+ - \(such as alice\)/,
    );
    expect(await problem({ server: { users: { alice: { hash: 'x', tokenSha256: HASH } } } })).toMatch(
      /server\.users\.alice\.hash: unknown setting; allowed here: tokenSha256/,
    );
    expect(await problem({ server: { user: {} } })).toMatch(
      /server\.user: unknown setting; allowed here: users, publicRead/,
    );
  });
});
