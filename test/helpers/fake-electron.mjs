// A stand-in for the `electron` module, to run the bundled desktop main process (dist/electron/
// main.mjs) under plain Node where Electron itself cannot run. It implements only what main.ts
// calls, records every call in `recorded`, and lets the test reach what main.ts registered (IPC
// handlers, the app:// protocol handler, the menu, the session's handlers).
import { EventEmitter } from 'node:events';

export const recorded = {
  privilegedSchemes: [],
  sandboxEnabled: false,
  protocolHandlers: new Map(),
  ipcHandlers: new Map(),
  menu: null,
  windows: [],
  sent: [],
  openedExternally: [],
  permissionRequestHandler: null,
  permissionCheckHandler: null,
  beforeRequest: null,
  appEvents: new Map(),
};

let resolveReady;
const ready = new Promise((resolve) => {
  resolveReady = resolve;
});

export const app = {
  enableSandbox: () => void (recorded.sandboxEnabled = true),
  requestSingleInstanceLock: () => true,
  quit: () => undefined,
  on: (event, listener) => void recorded.appEvents.set(event, listener),
  whenReady: () => ready,
};

/** The test says when Electron is "ready", after main.mjs has registered its start-up work. */
export function becomeReady() {
  resolveReady();
}

export const protocol = {
  registerSchemesAsPrivileged: (schemes) => void recorded.privilegedSchemes.push(...schemes),
  handle: (scheme, handler) => void recorded.protocolHandlers.set(scheme, handler),
};

export const ipcMain = {
  handle: (channel, handler) => void recorded.ipcHandlers.set(channel, handler),
};

export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu: (menu) => void (recorded.menu = menu),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler) => void (recorded.permissionRequestHandler = handler),
    setPermissionCheckHandler: (handler) => void (recorded.permissionCheckHandler = handler),
    webRequest: { onBeforeRequest: (filter, handler) => void (recorded.beforeRequest = { filter, handler }) },
  },
};

export const shell = {
  openExternal: async (url) => void recorded.openedExternally.push(url),
};

export const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showMessageBox: async () => ({ response: 0 }),
};

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.loaded = null;
    this.webContents = { send: (channel, message) => void recorded.sent.push({ channel, message }) };
    recorded.windows.push(this);
  }

  loadURL(url) {
    this.loaded = url;
    return Promise.resolve();
  }

  isDestroyed() {
    return false;
  }

  isMinimized() {
    return false;
  }

  show() {}
  restore() {}
  focus() {}
}
