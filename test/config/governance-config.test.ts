import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

/** Loads a config file with these settings; returns the error message, or the config. */
async function load(settings: Record<string, unknown>, env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'baton-gov-config-'));
  await writeFile(join(dir, 'baton.config.json'), JSON.stringify(settings));
  return loadConfig({ cwd: dir, env });
}
const problem = (settings: Record<string, unknown>) =>
  load(settings).then(
    () => 'loaded',
    (error: unknown) => (error as Error).message,
  );

describe('governance settings in baton.config', () => {
  it('reads roles, signing and the webhook; the environment may name the webhook', async () => {
    const config = await load(
      {
        roles: { lead: ['alice', 'bob'] },
        security: { signedDecisions: true, decisionKeys: { alice: [{ id: 'a1', env: 'ALICE_KEY' }] } },
      },
      { BATON_NOTIFY_WEBHOOK: 'http://127.0.0.1:9/hook' },
    );
    expect(config.roles).toEqual({ lead: ['alice', 'bob'] });
    expect(config.security).toEqual({
      signedDecisions: true,
      decisionKeys: { alice: [{ id: 'a1', env: 'ALICE_KEY' }] },
    });
    expect(config.notify).toEqual({ webhook: 'http://127.0.0.1:9/hook' });
  });

  it.each([
    [{ roles: { lead: 'alice' } }, 'roles.lead: Invalid input: expected array'],
    [{ roles: { 'team lead': ['alice'] } }, 'role names are letters, digits and . _ @ + - (such as lead)'],
    [{ roles: { lead: ['alice smith'] } }, 'roles.lead.0: user names are letters, digits and . _ @ + - (such as alice)'],
    [{ security: { signedDecisions: 'yes' } }, 'security.signedDecisions: Invalid input: expected boolean'],
    [{ security: { signed: true } }, 'security.signed: unknown setting; allowed here: signedDecisions, decisionKeys'],
    [
      { security: { decisionKeys: { alice: [{ id: 'a1', env: 'sk-live-abc' }] } } },
      'security.decisionKeys.alice.0.env: must name the environment variable that holds the key',
    ],
    [
      { security: { decisionKeys: { alice: [{ id: 'a1', env: 'ALICE_KEY', expires: 'next year' }] } } },
      'security.decisionKeys.alice.0.expires: expires is an ISO 8601 time such as 2027-01-01T00:00:00Z',
    ],
    [{ security: { decisionKeys: { alice: [] } } }, 'security.decisionKeys.alice: Too small'],
    [{ notify: { webhook: 'slack://channel' } }, 'notify.webhook: must be an http(s) URL'],
  ])('refuses %j with a message naming the setting', async (settings, message) => {
    expect(await problem(settings)).toContain(message);
  });
});
