/** React's view of the store: a component re-renders when the part it selects changes. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Controller } from './controller.ts';
import type { State, Store } from './store.ts';

export interface AppContext {
  store: Store;
  controller: Controller;
}

export const AppContextValue = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const app = useContext(AppContextValue);
  if (!app) throw new Error('useApp outside <AppContextValue.Provider>');
  return app;
}

export function useAppState<T>(select: (state: State) => T): T {
  const { store } = useApp();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
