/**
 * What the console's browser tests share: agents with a real input schema (so the gate's modify form
 * has fields), the worker's roles, the console served on a free loopback port, and Debian's
 * chromium driven by playwright-core.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { z } from 'zod';
import { defineAgent, agentInputSchema } from '../../src/activities/agents/agent';
import type { BatonConfig } from '../../src/config';
import { testAgents } from '../helpers/agents';
import { sleepAgent } from '../monitor/monitor-helpers';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** Writes a short Markdown report on a topic: a phase whose output a person reads at its gate. */
export const draftAgent = defineAgent({
  name: 'draft',
  description: 'drafts a Markdown note on a topic',
  input: z.object({ topic: z.string(), words: z.number().int().min(1), final: z.boolean().optional() }).strict(),
  output: z.object({ report: z.string(), topic: z.string(), words: z.number() }),
  async run({ topic, words, final }) {
    const report = `# Notes on ${topic}\n\n- about **${words}** words\n- ${final ? 'final' : 'draft'}\n\n<script>window.__pwned = 1</script>`;
    return { report, topic, words };
  },
});

export const consoleAgents = () => [...testAgents(), sleepAgent, draftAgent];
export const consoleSchemas = () =>
  Promise.resolve(Object.fromEntries(consoleAgents().map((a) => [a.name, agentInputSchema(a)])));

export const ROLES = { lead: ['alice'] };

export const workerConfig = (): BatonConfig => ({
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  roles: ROLES,
  security: { signedDecisions: false, decisionKeys: {} },
  notify: {},
  notifications: [],
});

export async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM).catch(() => {
    throw new Error(`The console tests drive Debian's chromium at ${CHROMIUM}, which is missing: run node scripts/ensure-deps.mjs as root, or apt-get install chromium.`);
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** Logs in through the console's login form, as a person would. */
export async function logIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
