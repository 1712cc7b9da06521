/**
 * The desktop app's menus, as data built by one pure function. An item either runs in the main
 * process (file dialogs, the documentation link) or is handed to the page as a `menu.command`
 * event (save the shown snapshot, export the graph, view commands), because only the page knows
 * what it shows.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../core/contract/api.ts';

/** Done by the main process itself. */
export type MainCommand = 'open-snapshot' | 'import-outputs' | 'open-docs';

export interface MenuActions {
  main: (command: MainCommand) => void;
  page: (command: MenuCommand) => void;
}

/** The kernel's VFIO documentation: what IOMMU groups are and why they matter. */
export const DOCS_URL = 'https://docs.kernel.org/driver-api/vfio.html';

export function menuTemplate(platform: NodeJS.Platform, actions: MenuActions): MenuItemConstructorOptions[] {
  const main = (label: string, command: MainCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label, ...(accelerator ? { accelerator } : {}), click: () => actions.main(command),
  });
  const page = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label, ...(accelerator ? { accelerator } : {}), click: () => actions.page(command),
  });
  const mac = platform === 'darwin';
  return [
    // macOS puts About and Quit in the application menu; elsewhere they live in Help and File.
    ...(mac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    {
      label: '&File',
      submenu: [
        main('Open Snapshot…', 'open-snapshot', 'CmdOrCtrl+O'),
        main('Import Outputs…', 'import-outputs', 'CmdOrCtrl+I'),
        page('Paste Outputs…', 'paste-outputs', 'CmdOrCtrl+Shift+V'),
        { type: 'separator' },
        page('Save Snapshot…', 'save-snapshot', 'CmdOrCtrl+S'),
        page('Export Image…', 'export-image', 'CmdOrCtrl+E'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { label: '&Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: '&View',
      submenu: [
        page('Find…', 'find', 'CmdOrCtrl+F'),
        { type: 'separator' },
        page('Fit to Window', 'fit', 'CmdOrCtrl+0'),
        page('Zoom In', 'zoom-in', 'CmdOrCtrl+='),
        page('Zoom Out', 'zoom-out', 'CmdOrCtrl+-'),
        { type: 'separator' },
        page('Toggle Light/Dark Theme', 'toggle-theme', 'CmdOrCtrl+Shift+L'),
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: '&Help',
      submenu: [
        main('IOMMU Groups and VFIO (kernel documentation)', 'open-docs'),
        ...(mac ? [] : [{ type: 'separator' } satisfies MenuItemConstructorOptions, { role: 'about' } satisfies MenuItemConstructorOptions]),
      ],
    },
  ];
}
