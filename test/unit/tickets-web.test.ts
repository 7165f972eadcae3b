import { describe, expect, it } from 'vitest';
import { editorTemplate, stripEditorTemplate } from '../../src/tickets/compose.js';
import { canOpenBrowser } from '../../src/tickets/web.js';

describe('tickets --web', () => {
  it('opens a browser only for a terminal with somewhere to show it', () => {
    const tty = { stdoutIsTTY: true };
    expect(canOpenBrowser({ stdoutIsTTY: false }, { DISPLAY: ':0' }, 'linux')).toBe(false);
    expect(canOpenBrowser(tty, {}, 'linux')).toBe(false);
    expect(canOpenBrowser(tty, { DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(canOpenBrowser(tty, { WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(canOpenBrowser(tty, { BROWSER: 'w3m' }, 'linux')).toBe(true);
    expect(canOpenBrowser(tty, {}, 'darwin')).toBe(true);
  });
});

describe('the $EDITOR template', () => {
  const last = { id: 'c1', ticketId: '7', author: { id: 'p', name: 'Ann Lee', role: 'customer' as const }, authorRole: 'customer' as const, public: true, body: 'Where is it?\nORD-1', createdAt: '2026-11-20T10:05:00Z' };
  it('quotes the last customer message below the scissors line, and nothing of it is sent', () => {
    const t = editorTemplate('7', last);
    expect(t).toContain('> Where is it?\n> ORD-1');
    expect(t).toContain('Ann Lee wrote:');
    expect(stripEditorTemplate(`Hello Ann,\n\nit ships today.\n${t}`).trimEnd()).toBe('Hello Ann,\n\nit ships today.');
    expect(stripEditorTemplate(t).trim()).toBe('');
    // without the scissors line, the text is the message
    expect(stripEditorTemplate('> kept as written')).toBe('> kept as written');
  });
});
