// The Electron binary is not available on build machines: the Electron API is the one edge we mock, so the
// shell's hardening is still asserted on every run.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const windows: {
    options: Record<string, unknown>;
    handlers: Map<string, (...a: unknown[]) => void>;
    openHandler?: (d: { url: string }) => unknown;
    loaded?: string;
  }[] = [];
  const ipcHandlers = new Map<string, (...a: unknown[]) => unknown>();
  const permission = {
    request: undefined as undefined | ((...a: unknown[]) => void),
    check: undefined as undefined | ((...a: unknown[]) => boolean),
  };
  const opened: string[] = [];
  const saveDialog = {
    answer: { canceled: false, filePath: '' } as { canceled: boolean; filePath?: string },
    asked: [] as unknown[][],
  };
  class BrowserWindow {
    static fromWebContents = (contents: unknown) => ({ owner: contents });
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const record: (typeof windows)[number] = { options, handlers: new Map() };
      windows.push(record);
      this.webContents = {
        on: (name: string, fn: (...a: unknown[]) => void) => record.handlers.set(name, fn),
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (record.openHandler = fn),
        send: vi.fn(),
      };
      Object.assign(this, { loadURL: async (url: string) => (record.loaded = url), once: () => undefined });
    }
  }
  return {
    windows,
    ipcHandlers,
    permission,
    opened,
    saveDialog,
    module: {
      BrowserWindow,
      dialog: {
        showSaveDialog: async (...args: unknown[]) => (saveDialog.asked.push(args), saveDialog.answer),
      },
      shell: { openExternal: async (url: string) => void opened.push(url) },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (fn: (...a: unknown[]) => void) => (permission.request = fn),
          setPermissionCheckHandler: (fn: (...a: unknown[]) => boolean) => (permission.check = fn),
        },
      },
      ipcMain: {
        handle: (channel: string, fn: (...a: unknown[]) => unknown) => ipcHandlers.set(channel, fn),
      },
    },
  };
});
vi.mock('electron', () => electron.module);

const { createMainWindow, denyAllPermissions } = await import('../../main/shell/window');
const { registerBridge } = await import('../../main/shell/ipc');
const { webContentsPrinter } = await import('../../main/shell/printing');
const { webContentsSaveDialog } = await import('../../main/shell/save-dialog');

beforeEach(() => {
  electron.windows.length = 0;
  electron.opened.length = 0;
});

describe('main window hardening', () => {
  it('runs the renderer sandboxed and isolated, without Node, from the app protocol', () => {
    createMainWindow('/app/out/preload');
    const win = electron.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/app/out/preload/index.cjs',
    });
    expect(win.loaded).toBe('app://wessex/index.html');
  });

  it('blocks navigation away from the app and denies every new window', () => {
    createMainWindow('/p');
    const win = electron.windows[0]!;
    const navigate = win.handlers.get('will-navigate')!;
    const away = { preventDefault: vi.fn() };
    navigate(away, 'https://evil.example/phish');
    expect(away.preventDefault).toHaveBeenCalled();
    const inApp = { preventDefault: vi.fn() };
    navigate(inApp, 'app://wessex/index.html#/summary');
    expect(inApp.preventDefault).not.toHaveBeenCalled();

    expect(win.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(win.openHandler!({ url: 'http://insecure.example/' })).toEqual({ action: 'deny' });
    expect(win.openHandler!({ url: 'https://www.nhs.uk/conditions/' })).toEqual({ action: 'deny' });
    expect(electron.opened).toEqual(['https://www.nhs.uk/conditions/']);
  });

  it('denies every permission request and check', () => {
    denyAllPermissions();
    const callback = vi.fn();
    electron.permission.request!(undefined, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(electron.permission.check!()).toBe(false);
  });
});

describe('IPC bridge', () => {
  it('answers only our own top-level frame, and validates arguments', async () => {
    const calls: unknown[] = [];
    const handlers = new Proxy(
      {},
      { get: () => async (args: unknown) => (calls.push(args), { deleted: true }) },
    );
    registerBridge(handlers as never);
    const handle = electron.ipcHandlers.get('wessex:invoke')!;

    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    expect(await handle(foreign, 'cache:delete', { nhsNumber: '9990000018' })).toMatchObject({ ok: false });
    const subframe = { senderFrame: { url: 'app://wessex/index.html', parent: {} } };
    expect(await handle(subframe, 'cache:delete', { nhsNumber: '9990000018' })).toMatchObject({ ok: false });
    expect(calls).toHaveLength(0);

    const ours = { senderFrame: { url: 'app://wessex/index.html', parent: null } };
    expect(await handle(ours, 'cache:delete', { nhsNumber: 'DROP TABLE' })).toMatchObject({ ok: false });
    expect(await handle(ours, 'cache:delete', { nhsNumber: '9990000018' })).toEqual({
      ok: true,
      value: { deleted: true },
    });
    expect(calls).toEqual([{ nhsNumber: '9990000018' }]);
  });
});

describe('printing through the window that asked', () => {
  /** A webContents whose print dialog ends as given. */
  function contentsThatPrint(success: boolean, failureReason = '') {
    const printed: unknown[] = [];
    return {
      printed,
      print: (options: unknown, done: (success: boolean, failureReason: string) => void) => {
        printed.push(options);
        done(success, failureReason);
      },
      printToPDF: async (options: unknown) => (printed.push(options), new Uint8Array([37, 80, 68, 70])),
    };
  }

  it('hands the handover request the sender’s print dialog and PDF printer', async () => {
    const seen: string[] = [];
    const handlers = new Proxy(
      {},
      {
        get:
          (_target, channel) =>
          async (
            _args: unknown,
            caller: { printer?: { print(): Promise<unknown>; toPdf(): Promise<unknown> } },
          ) => {
            seen.push(String(channel));
            return channel === 'handover:print'
              ? caller.printer!.print()
              : { bytes: await caller.printer!.toPdf() };
          },
      },
    );
    registerBridge(handlers as never);
    const handle = electron.ipcHandlers.get('wessex:invoke')!;
    const sender = contentsThatPrint(true);
    const ours = { sender, senderFrame: { url: 'app://wessex/index.html', parent: null } };

    expect(await handle(ours, 'handover:print', { nhsNumber: '9994625845' })).toEqual({
      ok: true,
      value: 'printed',
    });
    expect(await handle(ours, 'handover:save-pdf', { nhsNumber: '9994625845' })).toEqual({
      ok: true,
      value: { bytes: new Uint8Array([37, 80, 68, 70]) },
    });
    expect(sender.printed).toEqual([
      { silent: false, printBackground: true },
      { printBackground: true, pageSize: 'A4' },
    ]);
    expect(seen).toEqual(['handover:print', 'handover:save-pdf']);
  });

  it('reports a dismissed dialog as cancelled, and a printer failure as a failure', async () => {
    await expect(
      webContentsPrinter(contentsThatPrint(false, 'Print job canceled') as never).print(),
    ).resolves.toBe('cancelled');
    await expect(
      webContentsPrinter(contentsThatPrint(false, 'Print job failed') as never).print(),
    ).rejects.toThrow('Printing failed: Print job failed');
  });
});

describe('the save dialog of the window that asked', () => {
  it('is modal to the sender, offers the suggested PDF path, and says when the user cancelled', async () => {
    const sender = { id: 7 };
    electron.saveDialog.answer = { canceled: false, filePath: '/home/nurse/Handover.pdf' };
    await expect(
      webContentsSaveDialog(sender as never).choosePdfPath('/home/nurse/Documents/Handover summary.pdf'),
    ).resolves.toBe('/home/nurse/Handover.pdf');
    expect(electron.saveDialog.asked[0]).toEqual([
      { owner: sender },
      expect.objectContaining({
        defaultPath: '/home/nurse/Documents/Handover summary.pdf',
        filters: [{ name: 'PDF', extensions: ['pdf'] }],
        properties: expect.arrayContaining(['showOverwriteConfirmation']),
      }),
    ]);
    electron.saveDialog.answer = { canceled: true, filePath: '' };
    await expect(webContentsSaveDialog(sender as never).choosePdfPath('/tmp/x.pdf')).resolves.toBeUndefined();
  });
});
