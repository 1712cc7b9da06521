/**
 * The desktop window's preload script (bundled to dist/electron/preload.cjs; sandboxed, so it may
 * only require 'electron'). It exposes `window.atlas` and nothing else: see atlas-bridge.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { exposeAtlas } from './atlas-bridge.ts';

exposeAtlas(contextBridge, ipcRenderer);
