import { DeskctlError } from '../errors.js';
import type { IO } from '../output/io.js';

/** The embedded helpdesk keeps tickets in a SQLite file: there is no page to open. */
export const noWebUi = (what: string): DeskctlError =>
  new DeskctlError(`the embedded helpdesk has no web UI, so there is no page for ${what}`, {
    hint: 'see it here instead: deskctl tickets show ID, deskctl tickets list (or use a Zendesk, Freshdesk, Help Scout, Front, Intercom or RT profile)',
  });

/**
 * Whether to open a browser: only for a person at a terminal with somewhere to show it ($BROWSER,
 * macOS, Windows, or an X/Wayland display). Otherwise the URL is printed.
 */
export function canOpenBrowser(io: Pick<IO, 'stdoutIsTTY'>, env: NodeJS.ProcessEnv, platform: string = process.platform): boolean {
  if (!io.stdoutIsTTY) return false;
  return Boolean(env.BROWSER) || platform === 'darwin' || platform === 'win32' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}
