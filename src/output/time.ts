/** "45s", "12m", "3h", "5d", "7w" for a duration in ms (absolute value). */
export function shortDuration(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 60) return `${Math.round(s)}s`;
  const m = s / 60;
  if (m < 60) return `${Math.round(m)}m`;
  const h = m / 60;
  if (h < 48) return `${Math.round(h)}h`;
  const d = h / 24;
  if (d < 14) return `${Math.round(d)}d`;
  return `${Math.round(d / 7)}w`;
}

/** "3h ago" / "in 2d" relative to now. */
export function relativeTime(iso: string | null | undefined, now: Date): string {
  if (!iso) return '';
  const diff = now.getTime() - Date.parse(iso);
  if (Math.abs(diff) < 45_000) return 'just now';
  return diff >= 0 ? `${shortDuration(diff)} ago` : `in ${shortDuration(diff)}`;
}

/** "2026-11-24 14:05" in UTC, for headers. */
export const shortDate = (iso: string | null | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '');
