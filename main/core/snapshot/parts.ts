/**
 * What parsers hand to the snapshot builder. Each parser knows a slice of the truth; the builder
 * (build-snapshot.ts) merges the slices by source precedence and derives what follows from them.
 */
import type {
  DmesgEvent, Host, HostUsage, IommuGroup, KernelCommandLine, Libvirt, PciFunction, Slot, SourceName,
  Unreadable, Snapshot,
} from '../model/snapshot.ts';

/** Facts about one PCI function from one source; only the fields the source knows are set. */
export type FunctionPatch = { address: string } & Partial<Omit<PciFunction, 'address' | 'sources'>>;

export interface FunctionSlice {
  source: SourceName;
  functions: FunctionPatch[];
}

type DeepPartialHost = {
  [K in keyof Host]?: Host[K] extends object | null ? Partial<NonNullable<Host[K]>> | null : Host[K];
};

export interface SnapshotParts {
  functions: FunctionSlice[];
  /** Groups as the kernel reports them (sysfs, or a group listing). */
  groups?: { source: SourceName; groups: IommuGroup[] };
  host?: DeepPartialHost;
  cmdline?: KernelCommandLine;
  dmesg?: DmesgEvent[];
  iommu?: Partial<Omit<Snapshot['iommu'], 'dmesg'>>;
  slots?: Slot[];
  libvirt?: Libvirt;
  hostUsage?: HostUsage;
  rootBuses?: Snapshot['rootBuses'];
  unreadable?: Unreadable[];
  warnings?: string[];
}
