/**
 * The collector script's text, sent on stdin to one of the fixed COLLECTOR_COMMANDS
 * (main/io/transport.ts). It lives in collect.sh next to this file so that it can be read,
 * linted (shellcheck -s sh) and run by hand as what it is: a POSIX sh script.
 */
import { readFileSync } from 'node:fs';

export const COLLECTOR_SCRIPT: string = readFileSync(new URL('./collect.sh', import.meta.url), 'utf8');

/** The version the script reports in its `meta` section (`script_version=`). */
export const COLLECTOR_SCRIPT_VERSION = 1;
