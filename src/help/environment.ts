/**
 * Every environment variable deskctl reads, for `deskctl help environment`, the man page and
 * docs. test/unit/help-environment.test.ts fails when src/ or commands/ reads one not listed here.
 */
export interface EnvironmentVariable {
  name: string;
  description: string;
}

export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  { name: 'DESKCTL_PROFILE', description: 'profile to use when --profile is not given (else the current profile, else "local")' },
  { name: 'DESKCTL_HOME', description: 'relocate config, secrets, templates and data into this one directory (tests use it)' },
  { name: 'XDG_CONFIG_HOME', description: 'config.json, secrets.json and templates/ go to $XDG_CONFIG_HOME/deskctl (default ~/.config)' },
  { name: 'XDG_DATA_HOME', description: 'profile data (helpdesk.db, state.db) goes to $XDG_DATA_HOME/deskctl (default ~/.local/share)' },
  { name: 'HOME', description: 'where ~/.config and ~/.local/share are, when the XDG variables are not set' },
  { name: 'DESKCTL_STATE_URL', description: "team mode: keep deskctl's own state (jobs, follow-ups, triage log, ledger) in this PostgreSQL database, postgres://USER[:PASSWORD]@HOST:PORT/DB (before the profile's state URL; see docs/team-mode.md)" },
  { name: 'DESKCTL_STATE_NAMESPACE', description: 'team mode: share state under this name instead of the helpdesk account (one PostgreSQL schema per name)' },
  { name: 'PGPASSWORD', description: 'team mode: password for the state database when the URL and the profile give none (also ~/.pgpass, as for psql)' },
  { name: 'DESKCTL_NOW', description: 'pretend "now" is this ISO time (replays, tests): e.g. 2026-11-25T09:00:00Z' },
  { name: 'DESKCTL_SETTLE_MS', description: 'wait before checking whether an ambiguous write (timeout, 5xx) landed; each later check waits twice as long (default 1000; profile option settleMs)' },
  { name: 'DESKCTL_SETTLE_CHECKS', description: 'checks before such a write is recorded as "outcome unknown" (default 3; profile option settleChecks)' },
  { name: 'DESKCTL_PAGER', description: 'pager for long output on a terminal (before PAGER; "" or "cat" turns paging off)' },
  { name: 'PAGER', description: 'pager when DESKCTL_PAGER is not set (default: less -FRX)' },
  { name: 'NO_COLOR', description: 'set (to anything) to disable colour, like --no-color' },
  { name: 'FORCE_COLOR', description: 'colour even off a terminal: 1 (16 colours), 2 (256) or 3 (truecolor); 0 disables' },
  { name: 'COLORTERM', description: '"truecolor" or "24bit" selects 24-bit colour' },
  { name: 'TERM', description: '"dumb" disables colour; a name containing 256 selects 256 colours' },
  { name: 'COLUMNS', description: 'table width when stdout is not a terminal (default 120)' },
  { name: 'CI', description: 'set: never prompt, even on a terminal (commands that need a decision name the flag instead)' },
  { name: 'VISUAL', description: 'editor for tickets reply/note without --body (before EDITOR)' },
  { name: 'EDITOR', description: 'editor when VISUAL is not set (default vi)' },
  { name: 'BROWSER', description: 'browser command for deskctl login and --web (default xdg-open, or open on macOS)' },
  { name: 'DISPLAY', description: 'on Linux, --web opens a browser only when this (or WAYLAND_DISPLAY or BROWSER) is set; else it prints the URL' },
  { name: 'WAYLAND_DISPLAY', description: 'as DISPLAY, for Wayland sessions' },
];

/** Read by the test suite only (see docs/development.md). */
export const TEST_ENVIRONMENT: readonly EnvironmentVariable[] = [
  { name: 'DESKCTL_API_SPECS', description: 'directory of vendor API descriptions for the contract tests (default ../shared/api-specs)' },
  { name: 'DESKCTL_DATASETS', description: 'directory of labelled datasets for the tests, bench and scripts/train-sentiment.js (default ../shared/datasets)' },
  { name: 'DESKCTL_TEST_PG', description: '1: install (apt-get) and start a throwaway PostgreSQL for the team-mode suites even outside CI' },
  { name: 'DESKCTL_TEST_PG_URL', description: 'a PostgreSQL superuser URL the team-mode suites use instead of starting their own server' },
  { name: 'DESKCTL_SENTIMENT_EVAL', description: 'labelled message files (FILE[:FILE...]) the sentiment benchmark also scores (see docs/sentiment.md)' },
];

export function renderEnvironment(): string {
  const width = Math.max(...[...ENVIRONMENT, ...TEST_ENVIRONMENT].map((v) => v.name.length)) + 2;
  const list = (vars: readonly EnvironmentVariable[]) => vars.map((v) => `  ${v.name.padEnd(width)}${v.description}`).join('\n');
  return `Environment variables deskctl reads:

${list(ENVIRONMENT)}

Profiles can also name variables that hold their secrets (profile add --token-env, --password-env,
--client-secret-env); deskctl reads those when it signs in to that profile's helpdesk.

Read by the test suite only:

${list(TEST_ENVIRONMENT)}
  CI=true makes a missing test prerequisite fail its suite instead of skipping it.
`;
}
