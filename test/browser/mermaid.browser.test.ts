// The markdown records' diagrams, rendered by Mermaid itself (node_modules' mermaid in Debian's chromium):
// a diagram that Mermaid would not render fails here, as it would in a change ticket.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenDemoPlan } from '../../src/cli/demo.js';
import { render } from '../../src/cli/render.js';
import { toMermaid } from '../../src/topology/mermaid.js';
import { type Browser, launch, MERMAID_PAGE, renderMermaid } from './chromium.js';
import { largeCluster } from './models.js';

let browser: Browser;
beforeAll(async () => {
  mkdirSync('tmp', { recursive: true });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

function mermaidBlock(markdown: string): string {
  const m = /```mermaid\n([\s\S]*?)\n```/u.exec(markdown);
  expect(m, 'a ```mermaid block in the markdown').not.toBeNull();
  return m![1]!;
}

describe('Mermaid diagrams', () => {
  it("the demo's broken cluster: its plan's diagram renders and shows the four drifts and the foreign firewall route", async () => {
    const { plan, scope } = await brokenDemoPlan('examples/kthw-azure.world.json');
    const markdown = render('markdown', 'plan', plan, scope);
    const page = await browser.open(MERMAID_PAGE);
    await renderMermaid(page, mermaidBlock(markdown));
    const text = (await page.locator('#out').textContent()) ?? '';
    for (const shown of [
      'NOT ASSOCIATED',
      'MISSING ROUTE',
      'WRONG NEXT HOP',
      '10.200.2.0/24 stale',
      'firewall-default-route',
      '0.0.0.0/0 -> VirtualAppliance 10.240.0.4',
      'worker-0',
      'worker-1',
    ])
      expect(text).toContain(shown);
    // One edge per route and association: subnet, foreign route, three drifted routes.
    expect(await page.locator('#out svg .flowchart-link').count()).toBe(5);
    await page.locator('#out svg').screenshot({ path: 'tmp/demo-plan-mermaid.png' });
    expect(browser.errors).toEqual([]);
    expect(browser.blocked).toEqual([]);
    await page.close();
  });

  it('a 200-worker, two-table cluster renders with healthy workers folded into counts', async () => {
    const page = await browser.open(MERMAID_PAGE);
    await renderMermaid(page, toMermaid(largeCluster(200)));
    const text = (await page.locator('#out').textContent()) ?? '';
    expect(text).toMatch(/\d+ more healthy workers/u);
    expect(text).toContain('pods-0');
    expect(text).toContain('pods-1');
    expect(browser.errors).toEqual([]);
    await page.close();
  });

  it('an invalid diagram is refused by Mermaid (the check above can fail)', async () => {
    const page = await browser.open(MERMAID_PAGE);
    await expect(renderMermaid(page, 'flowchart LR\n  a -->|"x" b')).rejects.toThrow(/Parse error/u);
    await page.close();
  });
});
