// The console page in a real browser (Debian's chromium, headless) against the real server on 127.0.0.1:
// an operator fills in the token, clicks Kill, the apps run, and the page shows the scope KILLED and the
// account's next order dropped.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedConsoleBackend } from '../../../apps/console/backend.ts';
import { type RunningConsole, startConsole } from '../../../apps/console/server.ts';
import { type Pipeline, runPipeline } from '../../../apps/pipeline.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { CHROMIUM_ARGS, CHROMIUM_INSTALL_TIMEOUT_MS, ensureChromium } from '../../helpers/chromium.ts';
import { command, consolePipeline, count, margin, order, pipe, pipeMargin, pipeOrder } from './fixtures.ts';

const TOKEN = 'browser-test-token';
const SCREENSHOTS = mkdtempSync(join(tmpdir(), 'console-screens-'));

let browser: Browser;
let page: Page;
let pipeline: Pipeline;
let backend: EmbeddedConsoleBackend;
let running: RunningConsole;

/** Commands the server writes land on the topic before its 202; the apps process them when we say so. */
async function runAppsAfterCommand(before: number): Promise<void> {
  await expect.poll(() => count(pipeline, Topics.KILLSWITCH_COMMANDS), { timeout: 5000 }).toBeGreaterThan(before);
  runPipeline(pipeline);
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  pipeline = pipelineWithHistory();
  backend = new EmbeddedConsoleBackend(pipeline);
  running = await startConsole({ backend, token: TOKEN, port: 0, host: '127.0.0.1' });
  const started = performance.now();
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  console.log(`chromium ${browser.version()} started in ${Math.round(performance.now() - started)} ms; screenshots in ${SCREENSHOTS}`);
}, CHROMIUM_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await running?.close();
});

/** A pipeline with some history: a killed symbol, a released account, accounts in several margin states, a drop. */
function pipelineWithHistory(): Pipeline {
  const now = Date.now();
  const p = consolePipeline({ partitions: 3 });
  const seed = new EmbeddedConsoleBackend(p);
  seed.submitCommand(command({ cmd_id: 's1', corr_id: 'k1', scope: 'SYMBOL:TSLA', reason: 'halted by exchange', operator: 'carol', ts: now - 120_000 }));
  seed.submitCommand(command({ cmd_id: 's2', corr_id: 'k2', scope: 'ACCOUNT:77', reason: 'order rate breach', ts: now - 90_000 }));
  seed.submitCommand(command({ cmd_id: 's3', corr_id: 'k3', scope: 'ACCOUNT:77', action: 'UNKILL', reason: 'reviewed', ts: now - 60_000 }));
  pipe(p, Topics.FILLS, 'A1', { fill_id: 'f1', account_id: 'A1', symbol: 'NVDA', qty: 1000, price: 400, timestamp: now - 50_000 }, now - 50_000);
  pipeMargin(p, margin('A1', -320_000, 400_000, now - 40_000));
  pipeMargin(p, margin('B2', 100_000, 50_000, now - 40_000));
  pipeMargin(p, margin('C3', 3_000, 4_000, now - 40_000));
  pipeMargin(p, margin('D4', 250_000, 120_000, now - 40_000));
  runPipeline(p);
  pipeOrder(p, order({ order_id: 'o-tsla-1', account_id: '12', symbol: 'TSLA', ts: now - 30_000 }));
  runPipeline(p);
  return p;
}

describe('operator console page (chromium)', () => {
  it('shows the kill-switch table; Kill with the token makes the scope KILLED once the apps run, and its orders drop', async () => {
    const started = performance.now();
    await page.goto(running.url);
    const table = page.getByRole('table', { name: 'Kill switch state per scope' });
    const row = (scope: string) => table.getByRole('row').filter({ has: page.getByRole('cell', { name: scope, exact: true }) });
    await expect.poll(() => row('SYMBOL:TSLA').getByText('KILLED').count()).toBe(1);
    await expect.poll(() => row('ACCOUNT:77').getByText('ACTIVE').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, '1-loaded.png'), fullPage: true });

    // Without a token the page says so and writes nothing.
    await page.getByLabel('Your name').fill('dave');
    await page.getByLabel('Reason').fill('wash trading suspected');
    await page.getByRole('button', { name: 'Kill ACCOUNT:77' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'token' }).count()).toBe(1);
    expect(count(pipeline, Topics.KILLSWITCH_COMMANDS)).toBe(3);

    // A wrong token is refused by the server.
    await page.getByLabel('Console token').fill('not-the-token');
    await page.getByRole('button', { name: 'Kill ACCOUNT:77' }).click();
    await expect.poll(() => page.locator('#command-result').textContent()).toBe('The console token was refused.');

    // The right token: the command is written, and the row turns KILLED only after the aggregator runs.
    await page.getByLabel('Console token').fill(TOKEN);
    await page.getByRole('button', { name: 'Kill ACCOUNT:77' }).click();
    await runAppsAfterCommand(3);
    await expect.poll(() => row('ACCOUNT:77').getByText('KILLED').count(), { timeout: 5000 }).toBe(1);
    await expect.poll(() => row('ACCOUNT:77').getByRole('cell', { name: 'operator:dave' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Unkill ACCOUNT:77' }).count()).toBe(1);

    // The account's next order is dropped and listed.
    pipeOrder(pipeline, order({ order_id: 'o-77-after-kill', account_id: '77', symbol: 'AAPL', ts: Date.now() }));
    runPipeline(pipeline);
    const drops = page.getByRole('table', { name: /drop decisions/ });
    await expect.poll(() => drops.getByRole('row').filter({ hasText: 'o-77-after-kill' }).filter({ hasText: 'ACCOUNT:77' }).count(), { timeout: 5000 }).toBe(1);

    // A new scope through the form.
    await page.getByLabel('Scope', { exact: true }).fill('SYMBOL:GME');
    await page.getByRole('button', { name: 'Kill scope' }).click();
    await runAppsAfterCommand(4);
    await expect.poll(() => row('SYMBOL:GME').getByText('KILLED').count(), { timeout: 5000 }).toBe(1);
    expect(await page.locator('#killed-count').textContent()).toBe('3');

    // Accounts by status, and one account's details.
    const callGroup = page.getByRole('region', { name: 'MARGIN CALL accounts' });
    await page.getByRole('button', { name: /^Account A1, excess/ }).click();
    await expect.poll(() => page.locator('#account-detail').textContent()).toContain('Account A1');
    expect(await callGroup.getByRole('button').count()).toBe(1);
    expect(await page.locator('#account-detail').textContent()).toContain('NVDA');
    await page.screenshot({ path: join(SCREENSHOTS, '2-after-kill.png'), fullPage: true });

    // GLOBAL asks for confirmation, then the page warns that everything is being dropped.
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.getByLabel('Scope', { exact: true }).fill('GLOBAL');
    await page.getByRole('button', { name: 'Kill scope' }).click();
    await runAppsAfterCommand(5);
    expect(dialogs).toEqual(['Kill GLOBAL? Every order will be dropped until someone unkills it.']);
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'GLOBAL kill switch is on' }).isVisible(), { timeout: 5000 }).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, '3-global.png') });
    console.log(`browser flow took ${Math.round(performance.now() - started)} ms`);
  });
});
