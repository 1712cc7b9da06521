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
  /**
   * Every patch has every field of PciFunction but `sources`, in PciFunction's order (undefined
   * where the source says nothing), and belongs to this slice alone: the builder then makes the
   * first patch of an address the function itself (the patch changes), instead of a copy of it
   * (on a big host, a second object per function for the garbage collector to copy).
   */
  whole?: boolean;
}

/** Host facts from one source: the nested cpu/dmi objects may be partial too. */
type HostPart = Partial<Omit<Host, 'cpu' | 'dmi'>> & {
  cpu?: Partial<Host['cpu']>;
  dmi?: Partial<Host['dmi']>;
};

export interface SnapshotParts {
  functions: FunctionSlice[];
  /** Groups as the kernel reports them (sysfs, or a group listing). */
  groups?: { source: SourceName; groups: IommuGroup[] };
  host?: HostPart;
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
