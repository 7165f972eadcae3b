/**
 * What some suites need from outside the repository, where they find it, and what happens without it.
 *
 *   DESKCTL_API_SPECS   vendor API descriptions (default: ../shared/api-specs beside the project)
 *   DESKCTL_DATASETS    labelled data sets (default: ../shared/datasets beside the project)
 *   DESKCTL_TEST_RT     1: install and start a real Request Tracker (scripts/start-rt.sh) even outside CI
 *   DESKCTL_TEST_PG     1: install and start a throwaway PostgreSQL (scripts/start-postgres.sh) even outside CI
 *   DESKCTL_TEST_PG_URL a PostgreSQL superuser URL to use instead of starting one
 *
 * Outside CI a missing prerequisite skips what needs it, with one line saying what and how to enable it.
 * Under CI=true a missing prerequisite fails the run instead: CI must test everything.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './cli.js';

export const IN_CI = ['1', 'true', 'yes'].includes(String(process.env.CI ?? '').toLowerCase());

export function apiSpecsDir(): string {
  return resolve(ROOT, process.env.DESKCTL_API_SPECS || join('..', 'shared', 'api-specs'));
}

export function datasetsDir(): string {
  return resolve(ROOT, process.env.DESKCTL_DATASETS || join('..', 'shared', 'datasets'));
}

export interface Prereq {
  /** What the suite needs, e.g. "the Zendesk API description". */
  what: string;
  /** Where it was looked for (a path), when it is missing. */
  missing?: string;
  /** How to provide it, e.g. "set DESKCTL_API_SPECS=DIR". */
  enable: string;
}

/** A prerequisite that is a file or folder: present when the path exists. */
export function pathPrereq(what: string, path: string, enable: string): Prereq {
  return existsSync(path) ? { what, enable } : { what, missing: path, enable };
}

/** A vendor API description below DESKCTL_API_SPECS, e.g. specPrereq('zendesk/support-oas.yaml'). */
export function specPrereq(relative: string): Prereq {
  return pathPrereq(`the API description ${relative}`, resolve(apiSpecsDir(), relative), 'set DESKCTL_API_SPECS=DIR (a copy of shared/api-specs)');
}

/**
 * A real Request Tracker: wanted under CI, with DESKCTL_TEST_RT=1, or when RT is already installed
 * (installing it through apt takes a minute or two, so a plain `npm test` does not do it unasked).
 */
export function rtPrereq(rtServerBin: string): Prereq {
  const wanted = IN_CI || process.env.DESKCTL_TEST_RT === '1' || existsSync(rtServerBin);
  return wanted
    ? { what: 'a Request Tracker 5 server', enable: 'scripts/start-rt.sh installs it' }
    : { what: 'a Request Tracker 5 server', missing: rtServerBin, enable: 'set DESKCTL_TEST_RT=1 to install it with apt-get (root) and run it' };
}

/**
 * A real PostgreSQL server: wanted under CI, with DESKCTL_TEST_PG=1 or DESKCTL_TEST_PG_URL, or when the
 * server binaries are installed (`pgBin`, e.g. installedPgBin() from pg-server.ts); starting one takes
 * about two seconds, installing it through apt much longer, so a plain `npm test` installs nothing unasked.
 */
export function pgPrereq(pgBin: string | undefined): Prereq {
  const what = 'a PostgreSQL server';
  const wanted = IN_CI || process.env.DESKCTL_TEST_PG === '1' || Boolean(process.env.DESKCTL_TEST_PG_URL) || pgBin !== undefined;
  return wanted
    ? { what, enable: 'scripts/start-postgres.sh installs and starts it' }
    : { what, missing: '/usr/lib/postgresql/*/bin', enable: 'set DESKCTL_TEST_PG=1 to install it with apt-get (root) and run it, or DESKCTL_TEST_PG_URL' };
}

/** A data set below DESKCTL_DATASETS, e.g. datasetPrereq('sentiment-labelled-sentences'). */
export function datasetPrereq(relative: string): Prereq {
  return pathPrereq(`the data set ${relative}`, resolve(datasetsDir(), relative), 'set DESKCTL_DATASETS=DIR (a copy of shared/datasets)');
}

const announced = new Set<string>();

/**
 * True when `suite` must skip because a prerequisite is missing (and says so once, in one line on stderr);
 * false when everything is there. Under CI=true a missing prerequisite throws: nothing may skip in CI.
 */
export function mustSkip(suite: string, ...prereqs: Prereq[]): boolean {
  const missing = prereqs.filter((p) => p.missing !== undefined);
  if (missing.length === 0) return false;
  const why = missing.map((p) => `${p.what} (not found at ${p.missing}; ${p.enable})`).join('; ');
  if (IN_CI) throw new Error(`${suite} cannot run under CI=true: missing ${why}`);
  const line = `[skipped] ${suite}: needs ${why}`;
  if (!announced.has(line)) {
    announced.add(line);
    process.stderr.write(`${line}\n`);
  }
  return true;
}

/**
 * Stands in for `it` where a case does not apply to one variant of a parametrised suite (a
 * PostgreSQL-only case in a suite run on both stores): the case is not defined, rather than reported
 * as skipped, so a skip always means a missing prerequisite.
 */
export const notDefined = ((..._args: unknown[]) => undefined) as unknown as typeof import('vitest').it;
