#!/usr/bin/env node
// Entry point for `npx iommu-atlas`: loads the TypeScript sources through tsx, so a fresh
// `npm ci` is all a user needs (no build step that could go stale).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
