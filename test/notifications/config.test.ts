import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { notificationFilters, notificationSecretProblems } from '../../src/config/notifications';
import { cli } from '../client/cli-helpers';

async function configDir(settings: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-notify-config-'));
  await writeFile(join(dir, 'baton.config.json'), JSON.stringify(settings));
  return dir;
}
const load = async (settings: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadConfig({ cwd: await configDir(settings), env });
const problem = (settings: Record<string, unknown>, env: Record<string, string> = {}) =>
  load(settings, env).then(
    () => 'loaded',
    (error: unknown) => (error as Error).message,
  );

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX';
const HOOK = 'https://hooks.example.com/baton';

describe('notifications in baton.config', () => {
  it('reads each sink; the short form and BATON_NOTIFY_SLACK add theirs after the list', async () => {
    const config = await load(
      {
        notifications: [
          { kind: 'webhook', url: HOOK, events: ['run.completed'], secretEnv: 'HOOK_SECRET' },
          { kind: 'command', command: ['/usr/local/bin/page', '--team', 'ops'], templates: ['feature'] },
        ],
        notify: { webhook: 'https://old.example.com/hook' },
      },
      { BATON_NOTIFY_SLACK: SLACK },
    );
    expect(config.notifications).toEqual([
      { kind: 'webhook', url: HOOK, events: ['run.completed'], secretEnv: 'HOOK_SECRET' },
      { kind: 'command', command: ['/usr/local/bin/page', '--team', 'ops'], templates: ['feature'] },
      { kind: 'webhook', url: 'https://old.example.com/hook', events: ['gate.reminder', 'gate.escalated'] },
      { kind: 'slack', url: SLACK },
    ]);
    // The old key keeps working for runs from before (their notifyGate reads it).
    expect(config.notify).toEqual({ webhook: 'https://old.example.com/hook' });
    // A run learns the filters only: no URL, program or secret name.
    expect(notificationFilters(config.notifications!)).toEqual([
      { events: ['run.completed'] },
      { templates: ['feature'] },
      { events: ['gate.reminder', 'gate.escalated'] },
      {},
    ]);
  });

  it('BATON_NOTIFY_WEBHOOK wins over notify.webhook, as before', async () => {
    const config = await load(
      { notify: { webhook: 'https://old.example.com/hook' } },
      { BATON_NOTIFY_WEBHOOK: HOOK },
    );
    expect(config.notifications).toEqual([
      { kind: 'webhook', url: HOOK, events: ['gate.reminder', 'gate.escalated'] },
    ]);
  });

  const sink = (s: Record<string, unknown>) => ({ notifications: [{ kind: 'slack', url: SLACK }, s] });
  it.each([
    ['a webhook without url', sink({ kind: 'webhook' }), 'notifications[1].url: a webhook sink needs url'],
    [
      'a slack sink without url',
      sink({ kind: 'slack' }),
      'notifications[1].url: a slack sink needs url, the incoming-webhook URL',
    ],
    [
      'a command sink without command',
      sink({ kind: 'command' }),
      'notifications[1].command: a command sink needs command',
    ],
    [
      'url on a command sink',
      sink({ kind: 'command', command: ['/bin/true'], url: HOOK }),
      `notifications[1].url: not allowed on a command sink (got "${HOOK}"); a command sink runs a program; use kind: webhook`,
    ],
    [
      'command on a webhook',
      sink({ kind: 'webhook', url: HOOK, command: ['/bin/true'] }),
      'notifications[1].command: not allowed on a webhook sink (got ["/bin/true"]); only a command sink runs a program',
    ],
    [
      'secretEnv on a slack sink',
      sink({ kind: 'slack', url: SLACK, secretEnv: 'S' }),
      'notifications[1].secretEnv: not allowed on a slack sink (got "S"); only a webhook is signed',
    ],
    [
      'secretEnv on a command sink',
      sink({ kind: 'command', command: ['/bin/true'], secretEnv: 'S' }),
      'notifications[1].secretEnv: not allowed on a command sink',
    ],
    [
      'an unknown event',
      sink({ kind: 'webhook', url: HOOK, events: ['gate.open'] }),
      'notifications[1].events[0]: not an event; valid events: gate.opened, gate.reminder, gate.escalated, run.completed, run.failed, budget.gate, conflict.human (got "gate.open")',
    ],
    [
      'an empty event list',
      sink({ kind: 'webhook', url: HOOK, events: [] }),
      'notifications[1].events: an empty list would send nothing; leave events out for all',
    ],
    [
      'an unknown kind',
      sink({ kind: 'email', url: HOOK }),
      'notifications[1].kind: kind is one of webhook, slack, command (got "email")',
    ],
    [
      'an unknown setting',
      sink({ kind: 'slack', url: SLACK, channel: '#ops' }),
      'notifications[1].channel: unknown setting; allowed: kind, url, command, events, templates, runs, secretEnv',
    ],
    [
      'a url that is not http(s)',
      sink({ kind: 'webhook', url: 'ftp://example.com/x' }),
      'notifications[1].url: url is an http(s) URL such as https://hooks.slack.com/services/… (got "ftp://example.com/x")',
    ],
    [
      'a secret where its variable name belongs',
      sink({ kind: 'webhook', url: HOOK, secretEnv: 'my-secret-value' }),
      'notifications[1].secretEnv: secretEnv names an environment variable such as BATON_WEBHOOK_SECRET, not the secret itself',
    ],
    [
      'a program given as one string',
      sink({ kind: 'command', command: '/usr/bin/mail -s hi ops' }),
      'notifications[1].command: command is a list: the program, then its arguments',
    ],
    [
      'notifications that is not a list',
      { notifications: { kind: 'slack' } },
      'notifications: notifications is a list of sinks',
    ],
  ])('refuses %s, naming the path, the value and the fix', async (_, settings, message) => {
    expect(await problem(settings)).toContain(message);
  });

  it.each([
    [
      'BATON_NOTIFY_SLACK',
      'hooks.slack.com/services/T/B/X',
      'BATON_NOTIFY_SLACK: "hooks.slack.com/services/T/B/X" is not an http(s) URL; set it to the Slack incoming-webhook URL or unset it',
    ],
    [
      'BATON_NOTIFY_WEBHOOK',
      'example.com',
      `BATON_NOTIFY_WEBHOOK: "example.com" is not an http(s) URL; set it to the webhook's URL or unset it`,
    ],
  ])('refuses %s that is not a URL', async (name, value, message) => {
    expect(await problem({}, { [name]: value })).toContain(message);
  });

  it('lists every bad sink at once', async () => {
    const message = await problem({ notifications: [{ kind: 'webhook' }, { kind: 'command', url: HOOK }] });
    expect(message).toContain('notifications[0].url');
    expect(message).toContain('notifications[1].command');
    expect(message).toContain('notifications[1].url');
  });
});

describe('webhook secrets at worker start', () => {
  const signed = [{ kind: 'webhook' as const, url: HOOK, secretEnv: 'HOOK_SECRET' }];

  it('needs the variable set, with at least 16 characters', () => {
    expect(notificationSecretProblems(signed, {})).toEqual([
      "notifications[0].secretEnv: HOOK_SECRET is not set in the worker's environment; export it (at least 16 characters, such as `openssl rand -hex 32`) before starting the worker",
    ]);
    expect(notificationSecretProblems(signed, { HOOK_SECRET: 'short' })).toEqual([
      'notifications[0].secretEnv: HOOK_SECRET holds 5 characters, fewer than 16; use a longer secret, such as `openssl rand -hex 32`',
    ]);
    expect(notificationSecretProblems(signed, { HOOK_SECRET: '0123456789abcdef' })).toEqual([]);
  });

  it(
    '`baton worker` refuses to start with an unset secret, and says which',
    { timeout: 60_000 },
    async () => {
      const dir = await configDir({ notifications: signed });
      const { baton } = cli({ taskQueue: 'unused', workspaceRoot: dir });
      const result = await baton(['worker'], {
        BATON_CONFIG: join(dir, 'baton.config.json'),
        HOOK_SECRET: '',
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("The worker's notification secrets are not usable");
      expect(result.stderr).toContain('notifications[0].secretEnv: HOOK_SECRET is not set');
    },
  );
});
