/**
 * Parser for the short lspci listings: `lspci -nnk` (the usual forum paste), `lspci -nn`,
 * `lspci -k`, plain `lspci`, with or without `-D`. Real input (ashtonian-alderlake-rx6700xt, trimmed):
 *
 *     00:02.0 VGA compatible controller [0300]: Intel Corporation AlderLake-S GT1 [8086:4680] (rev 0c)
 *     	DeviceName: Onboard - Video
 *     	Subsystem: ASUSTeK Computer Inc. AlderLake-S GT1 [1043:8694]
 *     	Kernel driver in use: i915
 *     	Kernel modules: i915
 *
 * Pasted terminal sessions carry prompt lines; they are reported as issues and skipped.
 * A device without `Kernel driver in use:` has no driver only if `-k` was in effect, which the
 * text shows by having such lines elsewhere; otherwise the driver stays unknown.
 */
import type { ParseIssue, ParseResult } from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import {
  VendorNames, clipLine, headerPatch, parseLspciHeader, parseModuleList, parseSubsystemValue, type LspciFunctions,
} from './lspci-common.ts';

export function parseLspciNnk(text: string): ParseResult<LspciFunctions> {
  const issues: ParseIssue[] = [];
  const vendors = new VendorNames();
  const devices: { patch: FunctionPatch; names: string | null }[] = [];
  const seen = new Set<string>();
  let current: FunctionPatch | null = null;
  let kernelShown = false;

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    const content = line.trim();
    if (content === '') continue;
    if (line[0] !== ' ' && line[0] !== '\t') {
      const header = parseLspciHeader(line);
      if (!header) {
        issues.push({ line: index + 1, message: `not lspci device output, skipped: ${clipLine(line)}` });
        current = null;
        continue;
      }
      if (seen.has(header.address)) {
        issues.push({ line: index + 1, message: `device ${header.address} appears twice; the later one is ignored` });
        current = null;
        continue;
      }
      seen.add(header.address);
      current = headerPatch(header);
      vendors.learn(header.vendorId, header.names);
      devices.push({ patch: current, names: header.names });
      continue;
    }
    if (!current) continue;
    if (content.startsWith('Subsystem: ')) {
      const sub = parseSubsystemValue(content.slice(11));
      if (sub.vendorId) current.subsystemVendorId = sub.vendorId;
      if (sub.deviceId) current.subsystemDeviceId = sub.deviceId;
      current.subsystemName = sub.name;
      vendors.learn(sub.vendorId, sub.text);
    } else if (content.startsWith('Kernel driver in use: ')) {
      current.driver = content.slice(22);
      kernelShown = true;
    } else if (content.startsWith('Kernel modules: ')) {
      current.modules = parseModuleList(content.slice(16));
      kernelShown = true;
    }
    // Other indented lines (DeviceName:, or -v details) carry nothing this listing is read for.
  }

  const functions = devices.map(({ patch, names }) => {
    if (names !== null) Object.assign(patch, vendors.split(patch.vendorId ?? null, names));
    if (kernelShown && patch.driver === undefined) patch.driver = null;
    return patch;
  });
  return { data: { functions, accessDenied: false }, issues };
}
