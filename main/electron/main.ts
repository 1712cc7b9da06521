/**
 * The desktop app's main process (bundled to dist/electron/main.mjs by `npm run build:electron`;
 * package.json `main`). Wiring only: every decision is a tested function in security.ts,
 * app-protocol.ts, menu.ts and ipc.ts; the work is the same AtlasService `serve` uses.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type WebContents } from 'electron';
import { fileURLToPath } from 'node:url';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../core/contract/wire.ts';
import type { MenuCommand } from '../core/contract/api.ts';
import { AtlasService } from '../service/atlas-service.ts';
import { toApiError } from '../service/service-error.ts';
import { contentType, readStaticFile } from '../server/static-files.ts';
import { APP_SCHEME_PRIVILEGES, appResponseHeaders, resolveAppFile } from './app-protocol.ts';
import { createCallHandler, forwardEvents } from './ipc.ts';
import { DOCS_URL, menuTemplate, type MainCommand } from './menu.ts';
import {
  APP_ENTRY_URL, APP_SCHEME, isAllowedNavigation, isAllowedRequest, openExternalGuard, permissionCheckDecision,
  permissionRequestDecision, windowOpenDecision, windowOptions,
} from './security.ts';

// Relative to the bundle: dist/electron/main.mjs → dist/renderer/, dist/electron/preload.cjs.
const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));

const openExternal = (url: string) => openExternalGuard(url, (checked) => shell.openExternal(checked));

/** Navigation, new windows and <webview> are refused for every web contents, present and future. */
function lockDown(contents: WebContents): void {
  const refuseUnlessApp = (event: { preventDefault(): void }, url: string) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  };
  contents.on('will-navigate', refuseUnlessApp);
  contents.on('will-redirect', refuseUnlessApp);
  contents.on('will-frame-navigate', (event) => refuseUnlessApp(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler((details) => {
    const decision = windowOpenDecision(details);
    if (decision.openExternally !== null) void openExternal(decision.openExternally);
    return { action: decision.action };
  });
}

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const service = new AtlasService();
  let window: BrowserWindow | null = null;

  const sendToPage = (message: { event: string; payload: unknown }) => {
    if (window !== null && !window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, message);
  };

  const showError = (title: string, error: unknown) => {
    if (window !== null) void dialog.showMessageBox(window, { type: 'error', title, message: title, detail: toApiError(error).message });
  };

  const runMain = async (command: MainCommand) => {
    if (command === 'open-docs') return void (await openExternal(DOCS_URL));
    if (window === null) return;
    const open = command === 'open-snapshot'
      ? await dialog.showOpenDialog(window, { title: 'Open Snapshot', properties: ['openFile'], filters: [{ name: 'IOMMU Atlas snapshot', extensions: ['json'] }, { name: 'All files', extensions: ['*'] }] })
      : await dialog.showOpenDialog(window, { title: 'Import Outputs (lspci, IOMMU group listings, dmesg, virsh XML…)', properties: ['openFile', 'multiSelections'] });
    if (open.canceled || open.filePaths.length === 0) return;
    // The page learns of the new snapshot through the `snapshots.added` event.
    await service.openFiles(open.filePaths).catch((error: unknown) => showError(command === 'open-snapshot' ? 'Cannot open the snapshot' : 'Cannot import these files', error));
  };

  const toPage = (command: MenuCommand) => sendToPage({ event: 'menu.command', payload: { command } });

  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('second-instance', () => {
    if (window === null) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    void service.close();
  });

  void app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionRequestDecision(permission)));
    ses.setPermissionCheckHandler((_contents, permission) => permissionCheckDecision(permission));
    ses.webRequest.onBeforeRequest({ urls: ['*://*/*', 'file://*/*'] }, (details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));

    protocol.handle(APP_SCHEME, async (request) => {
      const path = request.method === 'GET' ? resolveAppFile(request.url, RENDERER_DIR) : null;
      const body = path === null ? null : await readStaticFile(RENDERER_DIR, path);
      if (body === null) return new Response('not found', { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8') });
      return new Response(new Uint8Array(body), { status: 200, headers: appResponseHeaders(contentType(path!)) });
    });

    ipcMain.handle(IPC_CALL_CHANNEL, createCallHandler(service));
    forwardEvents(service, sendToPage);

    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, {
      main: (command) => void runMain(command),
      page: toPage,
    })));

    window = new BrowserWindow(windowOptions(PRELOAD));
    window.once('ready-to-show', () => window?.show());
    window.on('closed', () => {
      window = null;
    });
    void window.loadURL(APP_ENTRY_URL);
  });
}
