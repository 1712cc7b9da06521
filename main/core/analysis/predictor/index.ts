/** The IOMMU group predictor's public API (spec `iommu-groups.md` section 1). */
export { predictGroups, kernelGroupOf } from './predict-groups.ts';
export { compareGroups } from './compare-groups.ts';
export { predictCardInSlot, predictCardsInSlot, CARD_TEMPLATES } from './card-in-slot.ts';
export { ACS_QUIRKS } from './acs-quirks.ts';
export { shortAddress } from './reasons.ts';
export type * from './types.ts';
