/**
 * zod compiles fast object parsers with `new Function` when it may, and decides so when a schema
 * is created. The page's CSP has no 'unsafe-eval', and even zod's probe for it is reported as a
 * violation; this module turns that off, and main.tsx imports it before anything that makes schemas.
 */
import { config } from 'zod';

config({ jitless: true });
