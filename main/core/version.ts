/** Recorded in every snapshot's provenance; keep in step with package.json. */
export const TOOL_VERSION = 'iommu-atlas 0.1.0';
