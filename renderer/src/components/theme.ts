/** The theme: the user's last choice, else the system's preference; applied as `data-theme` and CSS variables. */
import { applyPalette, PALETTES, type Theme } from '../graph/palette.ts';

const KEY = 'iommu-atlas-theme';

export function preferredTheme(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // Storage can be unavailable (a sandboxed page): the system's preference then.
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  applyPalette(document.documentElement, PALETTES[theme]);
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Not saved: the next start follows the system again.
  }
}
