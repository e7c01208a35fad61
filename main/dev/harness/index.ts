// The renderer in Debian Chromium with the bridge bound to the real main-process services: used by the
// e2e tests, the UI benchmark, and `npm start`'s browser fallback when the Electron binary is missing.
// playwright-core is imported lazily so nothing else pays for it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  BridgeError,
  dispatchBridgeRequest,
  type BridgeHandlers,
  type BridgeOutcome,
  type HostPrinter,
  type HostSaveDialog,
} from '../../services/bridge/dispatch';
import type { BridgeEventName } from '../../../preload/contract';
import { projectRoot } from '../project-root';
import { defaultRendererDir } from '../../services/renderer-assets';
import { harnessPreloadScript } from './bridge-script';
import { startRendererServer, type RendererServer } from './static-server';

/** The part of AppServices the harness needs. */
export interface HarnessServices {
  handlers: BridgeHandlers;
  onEvent(listener: (name: BridgeEventName, payload: unknown) => void): () => void;
}

export const CHROMIUM_PATH = process.env.WESSEX_CHROMIUM ?? '/usr/bin/chromium';
const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

export interface BridgeCall {
  channel: string;
  args: unknown;
  outcome: BridgeOutcome;
}

/** Everything observable about one page, for assertions: bridge traffic and anything alarming. */
export interface PageLog {
  calls: BridgeCall[];
  events: { name: BridgeEventName; payload: unknown }[];
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  /** Main-frame navigations after the first load (there should be none). */
  navigations: string[];
  /** Requests to any origin other than the renderer's, which are blocked. */
  blockedRequests: string[];
  /** New windows/popups the page tried to open. */
  popups: string[];
  /** What the host printed for the page (headless: the PDF its printer produced), in order. */
  printed: Uint8Array[];
}

export interface HarnessPage {
  page: Page;
  log: PageLog;
}

export interface Harness {
  url: string;
  browser: Browser;
  context: BrowserContext;
  /** Opens a page on the renderer (waits for the first load). */
  newPage(path?: string): Promise<HarnessPage>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  services: HarnessServices;
  headed?: boolean;
  rendererDir?: string;
  /** The built preload the page runs (default out/preload/index.cjs). */
  preloadFile?: string;
  viewport?: { width: number; height: number };
  /** Called with each handover the host printed (headless Chromium prints to PDF; it has no printer). */
  onPrinted?: (pdf: Uint8Array) => void;
  /**
   * The host's save dialog (a browser page has none): the path the user would choose, or undefined for
   * Cancel. Default: the suggested path, as if the user pressed Save.
   */
  saveDialog?: HostSaveDialog;
}

const ACCEPT_SUGGESTED_PATH: HostSaveDialog = { choosePdfPath: async (suggested) => suggested };

function emptyLog(): PageLog {
  return {
    calls: [],
    events: [],
    consoleErrors: [],
    pageErrors: [],
    dialogs: [],
    navigations: [],
    blockedRequests: [],
    popups: [],
    printed: [],
  };
}

const A4_PDF = { format: 'A4', printBackground: true } as const;

/**
 * The harness as the page's host printer. Headless Chromium has no print dialog: its PDF printer stands in for
 * the printer, as Electron's printToPDF does for "Save as PDF". Headed, the browser's own print dialog opens.
 */
function harnessPrinter(page: Page, log: PageLog, options: HarnessOptions): HostPrinter {
  if (options.headed) {
    return {
      async print() {
        // Returns when the browser's dialog closes, without saying whether the user printed.
        await page.evaluate(() => window.print());
        return 'unconfirmed';
      },
      toPdf: () => {
        throw new BridgeError(
          'unavailable',
          'Saving as PDF is not available in this browser window: use Print and choose "Save as PDF".',
        );
      },
    };
  }
  return {
    async print() {
      const pdf = await page.pdf(A4_PDF);
      log.printed.push(pdf);
      options.onPrinted?.(pdf);
      return 'printed';
    },
    toPdf: () => page.pdf(A4_PDF),
  };
}

export async function openHarness(options: HarnessOptions): Promise<Harness> {
  const rendererDir = options.rendererDir ?? defaultRendererDir(projectRoot());
  const preloadFile = options.preloadFile ?? join(projectRoot(), 'out', 'preload', 'index.cjs');
  let preloadSource: string;
  try {
    preloadSource = await readFile(preloadFile, 'utf8');
  } catch {
    throw new Error(`The preload is not built (${preloadFile}): run \`npm run build\` first.`);
  }
  const server: RendererServer = await startRendererServer(rendererDir);
  let browser: Browser | undefined;
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: !options.headed,
      args: options.headed ? HEADLESS_ARGS.filter((a) => a !== '--headless') : HEADLESS_ARGS,
    });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 720 } });
    const origin = new URL(server.url).origin;
    const logs = new Map<Page, PageLog>();
    const logFor = (page: Page): PageLog => {
      let log = logs.get(page);
      if (!log) logs.set(page, (log = emptyLog()));
      return log;
    };

    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:'))
        return route.continue();
      const page = route.request().frame().page();
      logFor(page).blockedRequests.push(url);
      return route.abort('blockedbyclient');
    });
    await context.exposeBinding('__wessexInvoke', async (source, channel: unknown, args: unknown) => {
      const log = logFor(source.page);
      const outcome = await dispatchBridgeRequest(options.services.handlers, channel, args, {
        printer: harnessPrinter(source.page, log, options),
        saveDialog: options.saveDialog ?? ACCEPT_SUGGESTED_PATH,
      });
      log.calls.push({ channel: String(channel), args, outcome });
      await flush();
      // As one JSON string: Playwright's structured serialisation of a 20,000-resource record takes seconds.
      return JSON.stringify(outcome);
    });
    await context.addInitScript({ content: harnessPreloadScript(preloadSource) });

    // Events emitted in one turn of main's event loop go to each page together, as one JSON string: one
    // round trip to the page per batch, and no walk of the objects by Playwright's own argument serialisation
    // (a section of 300 medicines took 120 ms of the page's main thread that way).
    // An answer waits for the events emitted before it, so the page sees them in the order they happened.
    let batch: [string, unknown][] = [];
    let delivered: Promise<unknown> = Promise.resolve();
    const flush = (): Promise<unknown> => {
      if (!batch.length) return delivered;
      const json = JSON.stringify(batch);
      batch = [];
      delivered = Promise.all(
        context.pages().map((page) =>
          page
            .evaluate((all) => {
              const emit = (window as unknown as { __wessexEmit?: (n: unknown, p: unknown) => void })
                .__wessexEmit;
              for (const [n, p] of JSON.parse(all) as [string, unknown][]) emit?.(n, p);
            }, json)
            .catch(() => undefined),
        ),
      );
      return delivered;
    };
    const stopEvents = options.services.onEvent((name, payload) => {
      for (const page of context.pages()) logFor(page).events.push({ name, payload });
      if (batch.push([name, payload]) === 1) setImmediate(() => void flush());
    });

    const harness: Harness = {
      url: server.url,
      browser,
      context,
      async newPage(path = '/') {
        const page = await context.newPage();
        const log = logFor(page);
        page.on('console', (m) => {
          if (m.type() === 'error') log.consoleErrors.push(m.text());
        });
        page.on('pageerror', (e) => log.pageErrors.push(e.message));
        page.on('dialog', (d) => {
          log.dialogs.push(`${d.type()}: ${d.message()}`);
          void d.dismiss().catch(() => undefined);
        });
        page.on('popup', (p) => {
          log.popups.push(p.url());
          void p.close().catch(() => undefined);
        });
        await page.goto(new URL(path, server.url).toString());
        page.on('framenavigated', (frame) => {
          if (frame === page.mainFrame()) log.navigations.push(frame.url());
        });
        return { page, log };
      },
      async close() {
        stopEvents();
        await browser?.close().catch(() => undefined);
        await server.close();
      },
    };
    return harness;
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw error;
  }
}

/** Resolves once the record has finished loading in `page`: the handover print is offered only then. */
export async function waitForRecord(page: Page, timeoutMs = 20_000): Promise<void> {
  await page
    .getByRole('button', { name: 'Print handover summary' })
    .and(page.locator(':enabled'))
    .waitFor({ timeout: timeoutMs });
}
export { recordingNotifications, type RecordingNotifications } from './notifications';
