/** The menus, as data: File (open, import, save, export), View, Help; each item reaches the right side. */
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { DOCS_URL, menuTemplate, type MainCommand } from '../../main/electron/menu.ts';
import { MenuCommand } from '../../main/core/contract/api.ts';
import { isExternalUrlAllowed } from '../../main/electron/security.ts';

function build(platform: NodeJS.Platform) {
  const main: MainCommand[] = [];
  const page: string[] = [];
  const template = menuTemplate(platform, { main: (c) => main.push(c), page: (c) => page.push(c) });
  return { template, main, page };
}

function items(menu: MenuItemConstructorOptions): MenuItemConstructorOptions[] {
  return (menu.submenu as MenuItemConstructorOptions[] | undefined) ?? [];
}

function click(item: MenuItemConstructorOptions): void {
  (item.click as () => void)();
}

describe('menuTemplate', () => {
  it('File, Edit, View, Help on Linux and Windows; the app menu first on macOS', () => {
    expect(build('linux').template.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
    expect(build('win32').template.map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
    const mac = build('darwin').template;
    expect(mac[0]).toEqual({ role: 'appMenu' });
    expect(mac.slice(1).map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Help']);
  });

  it('File: open and import run in the main process; save and export go to the page', () => {
    const { template, main, page } = build('linux');
    const file = items(template[0]!);
    expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual(['Open Snapshot…', 'Import Outputs…', 'Paste Outputs…', 'separator', 'Save Snapshot…', 'Export Image…', 'separator', 'quit']);
    for (const item of file) if (item.click) click(item);
    expect(main).toEqual(['open-snapshot', 'import-outputs']);
    expect(page).toEqual(['paste-outputs', 'save-snapshot', 'export-image']);
  });

  it('View commands are page commands of the contract', () => {
    const { template, page } = build('linux');
    for (const item of items(template[2]!)) if (item.click) click(item);
    expect(page).toEqual(['find', 'fit', 'zoom-in', 'zoom-out', 'toggle-theme']);
    for (const command of page) expect(MenuCommand.safeParse(command).success).toBe(true);
  });

  it('Help opens the kernel\'s VFIO documentation (https, through the guard) and About', () => {
    const { template, main } = build('linux');
    const help = items(template[3]!);
    click(help[0]!);
    expect(main).toEqual(['open-docs']);
    expect(isExternalUrlAllowed(DOCS_URL)).toBe(true);
    expect(help.map((i) => i.role ?? i.type ?? i.label)).toContain('about');
  });

  it('accelerators are unique', () => {
    const accelerators = build('linux').template.flatMap((m) => items(m)).map((i) => i.accelerator).filter((a) => a !== undefined);
    expect(accelerators).toContain('CmdOrCtrl+O');
    expect(accelerators).toContain('CmdOrCtrl+S');
    expect(new Set(accelerators).size).toBe(accelerators.length);
  });
});
