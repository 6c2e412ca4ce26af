// Debian's chromium driven by playwright-core: a fresh profile per run, every request answered from the
// repository (pages and node_modules' mermaid) or aborted, so nothing reaches the network. The test reads
// which requests were blocked and every console error.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** The only origin pages load from: answered by the route handler below, never resolved. */
const ORIGIN = 'http://pictures.invalid';

/** Mermaid's browser bundle from node_modules (the npm package GitHub's renderer is built on). */
const MERMAID_JS = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

export interface Browser {
  /** Opens html (served as ORIGIN/page.html) in a new page. */
  open(html: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** Requests the page made that were refused (anything but the page and mermaid.min.js). */
  blocked: string[];
  /** console.error messages and uncaught page errors. */
  errors: string[];
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pictures-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Anything that escapes the route handler (the browser's own traffic) meets a closed port.
      '--proxy-server=http://127.0.0.1:9',
    ],
  });
  const blocked: string[] = [];
  const errors: string[] = [];
  let html = '';
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/page.html`) return route.fulfill({ contentType: 'text/html', body: html });
    if (url === `${ORIGIN}/mermaid.min.js`)
      return route.fulfill({ contentType: 'text/javascript', body: readFileSync(MERMAID_JS, 'utf8') });
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return {
    blocked,
    errors,
    async open(page, viewport = { width: 1600, height: 1000 }) {
      html = page;
      const tab = await context.newPage();
      await tab.setViewportSize(viewport);
      tab.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      tab.on('pageerror', (e) => errors.push(String(e)));
      await tab.goto(`${ORIGIN}/page.html`);
      return tab;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that loads mermaid from node_modules (served locally) and renders nothing yet. */
export const MERMAID_PAGE = `<!doctype html><html><head><meta charset="utf-8"><script src="${ORIGIN}/mermaid.min.js"></script></head><body><div id="out"></div></body></html>`;

/** Renders the diagram with Mermaid itself; throws Mermaid's parse or render error. */
export async function renderMermaid(page: Page, text: string): Promise<string> {
  return page.evaluate(async (diagram) => {
    const m = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
    m.initialize({ startOnLoad: false, securityLevel: 'strict', flowchart: { htmlLabels: true } });
    await m.parse(diagram);
    const { svg } = await m.render('diagram', diagram);
    (globalThis as unknown as DomLike).document.getElementById('out').innerHTML = svg;
    return svg;
  }, text);
}

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

/** The little of the DOM the page functions use (the project compiles without the DOM library). */
interface DomLike {
  document: { getElementById(id: string): { innerHTML: string } };
}
