// `pod-routes topology -o html` and the drift report's page in a real browser, with every request blocked:
// it renders without errors, shows every table, subnet and worker, draws each kind in its legend's style,
// and stays legible at 200 workers (no label overlaps another or leaves its box).
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenDemoPlan } from '../../src/cli/demo.js';
import { modelFromReconcile } from '../../src/topology/from-result.js';
import { toHtml } from '../../src/topology/html.js';
import type { TopologyModel } from '../../src/topology/model.js';
import { type Browser, launch } from './chromium.js';
import { largeCluster } from './models.js';

let browser: Browser;
beforeAll(async () => {
  mkdirSync('tmp', { recursive: true });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface StyleLookup {
  getComputedStyle(e: unknown): { stroke: string; strokeDasharray: string; strokeWidth: string };
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every label's box and the box it belongs to (matched by data-ref), as the browser laid them out. */
function labelBoxes(page: Page): Promise<Array<{ text: string; label: Rect; box: Rect | null }>> {
  return page.$$eval('svg.topology text.label', (texts) =>
    texts.map((t) => {
      const r = t.getBoundingClientRect();
      const ref = t.getAttribute('data-ref');
      const owner = ref ? t.previousElementSibling : null;
      const o = owner?.getBoundingClientRect();
      return {
        text: t.textContent ?? '',
        label: { x: r.x, y: r.y, width: r.width, height: r.height },
        box: o ? { x: o.x, y: o.y, width: o.width, height: o.height } : null,
      };
    }),
  );
}

const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Rect, b: Rect) =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;

async function expectLegible(page: Page): Promise<number> {
  const labels = await labelBoxes(page);
  const clashes: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i]!;
    if (a.box && !inside(a.label, a.box)) clashes.push(`"${a.text}" leaves its box`);
    for (let j = i + 1; j < labels.length; j++)
      if (overlaps(a.label, labels[j]!.label)) clashes.push(`"${a.text}" overlaps "${labels[j]!.text}"`);
  }
  expect(clashes).toEqual([]);
  return labels.length;
}

/** Each kind drawn (boxes and route lines) has exactly its legend swatch's stroke, dash pattern and width. */
async function expectLegendStyles(page: Page): Promise<string[]> {
  const styles = await page.$$eval('svg.topology [data-kind]', (els) =>
    els
      .filter((e) => e.tagName === 'rect' || e.tagName === 'path')
      .map((e) => {
        const s = (globalThis as unknown as StyleLookup).getComputedStyle(e);
        return {
          kind: e.getAttribute('data-kind')!,
          legend: e.classList.contains('swatch'),
          look: `${s.stroke} ${s.strokeDasharray} ${s.strokeWidth}`,
        };
      }),
  );
  const legend = new Map(styles.filter((s) => s.legend).map((s) => [s.kind, s.look]));
  const drawn = styles.filter((s) => !s.legend);
  for (const s of drawn) expect(`${s.kind}: ${s.look}`).toBe(`${s.kind}: ${legend.get(s.kind)}`);
  return [...new Set(drawn.map((s) => s.kind))];
}

async function openPage(model: TopologyModel, name: string, foldBeyond?: number) {
  const page = await browser.open(toHtml(model, foldBeyond === undefined ? {} : { foldBeyond }));
  await page.screenshot({ path: `tmp/${name}.png`, fullPage: true });
  return page;
}

describe('the topology page', () => {
  it("the demo's broken cluster: every drift kind in its legend style, the firewall route apart, nothing fetched", async () => {
    const { plan, scope } = await brokenDemoPlan('examples/kthw-azure.world.json');
    const page = await openPage(modelFromReconcile(plan, scope), 'topology-demo');
    const text = (await page.locator('body').textContent()) ?? '';
    for (const shown of [
      'kubernetes-routes',
      'kubernetes-subnet',
      'NOT ASSOCIATED',
      'worker-0',
      'worker-1',
      'firewall-default-route',
      '10.240.0.22',
    ])
      expect(text).toContain(shown);
    const kinds = await expectLegendStyles(page);
    expect(kinds.sort()).toEqual(
      ['foreign', 'missing', 'stale', 'table', 'unassociated', 'wrong-next-hop'].sort(),
    );
    // Worst first beside the picture: the detached subnet, then the missing route.
    const first = await page.locator('ol.findings li').allTextContents();
    expect(first[0]).toMatch(/^subnet not associated/u);
    expect(first[1]).toMatch(/^missing route/u);
    await expectLegible(page);
    expect(browser.errors).toEqual([]);
    expect(browser.blocked).toEqual([]);
    await page.close();
  });

  it.each([
    ['folded', undefined],
    ['every worker drawn', Number.POSITIVE_INFINITY],
  ])('200 workers in two tables (%s): legible, every table, subnet and worker shown', async (name, fold) => {
    const model = largeCluster(200);
    const page = await openPage(model, `topology-200-${name.replaceAll(' ', '-')}`, fold);
    const text = (await page.locator('svg.topology').textContent()) ?? '';
    for (const table of model.clusters[0]!.tables) {
      expect(text).toContain(`route table ${table.name}`);
      for (const subnet of table.subnets)
        expect(text).toContain(`subnet ${subnet.name}vnet ${subnet.virtualNetwork}`);
    }
    const named = model.clusters[0]!.workers.filter((w) => text.includes(`${w.name}`)).length;
    const folded = [...text.matchAll(/(\d+) more healthy workers/gu)].reduce((n, m) => n + Number(m[1]), 0);
    expect(fold === undefined ? folded : 0).toBeGreaterThan(fold === undefined ? 100 : -1);
    expect((await page.locator('rect[data-role="worker"]').count()) + folded).toBe(200);
    expect(named).toBeGreaterThanOrEqual(await page.locator('rect[data-role="worker"]').count());
    const kinds = await expectLegendStyles(page);
    for (const k of [
      'missing',
      'wrong-next-hop',
      'not-in-effect',
      'shadowed',
      'refused',
      'stale',
      'not-provisioned',
      'unassociated',
      'foreign',
      'ok',
    ])
      expect(kinds).toContain(k);
    expect(await expectLegible(page)).toBeGreaterThan(fold === undefined ? 20 : 200);
    expect(browser.errors).toEqual([]);
    expect(browser.blocked).toEqual([]);
    await page.close();
  });
});
