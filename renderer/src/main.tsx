/**
 * The page's entry: connect to the back end (Electron's preload or the WebSocket of `serve`),
 * create the store and the controller, render the app.
 */
import './zod-jitless.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectAtlas } from './api/index.ts';
import { createController } from './app/controller.ts';
import { AppContextValue } from './app/hooks.ts';
import { createStore, initialState } from './app/store.ts';
import { App } from './components/App.tsx';
import { preferredTheme } from './components/theme.ts';
import './styles.css';

const store = createStore(initialState(preferredTheme()));
const controller = createController(connectAtlas(), store);

createRoot(document.getElementById('app')!).render(
  <StrictMode>
    <AppContextValue.Provider value={{ store, controller }}>
      <App />
    </AppContextValue.Provider>
  </StrictMode>,
);
void controller.start();
