import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { ROOT } from './cli.js';

/** Markdown files: README.md and everything under docs/. */
export function markdownFiles(): string[] {
  const out = [join(ROOT, 'README.md')];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(join(ROOT, 'docs'));
  return out;
}

/** The text outside fenced code blocks and inline code (where links are links). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes, duplicates numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

/** Every relative link of a markdown file that does not resolve to a file (and anchor): "target: why". */
export function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const broken: string[] = [];
  for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const dest = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
    if (!existsSync(dest)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!dest.endsWith('.md') || statSync(dest).isDirectory()) {
      broken.push(`${target}: an anchor into something that is not a markdown file`);
      continue;
    }
    if (!anchorsOf(readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${target}: no heading with that anchor`);
  }
  return broken;
}

/** Shell words of one command line (quotes and backslashes honoured, comments dropped). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word = (word ?? '') + line[++i];
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if (c === '#' && word === undefined) break;
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if ('|&;<>'.includes(c) && word === undefined) {
      // operators: | || && ; < > >> 2> as words of their own
      let op = c;
      while (i + 1 < line.length && '|&<>'.includes(line[i + 1]!)) op += line[++i];
      words.push(op);
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The argument lists of every `deskctl ...` (or `npx deskctl ...`) in the sh code blocks of a markdown text. */
export function deskctlCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  for (const block of markdown.matchAll(/^```(sh|bash|shell|console)?\n([\s\S]*?)^```/gm)) {
    const lines = block[2]!.replace(/\\\n\s*/g, ' ').split('\n');
    for (const raw of lines) {
      const words = shellWords(raw.replace(/^\$ /, ''));
      let segment: string[] = [];
      const flush = () => {
        const start = segment[0] === 'npx' ? 1 : 0;
        if (segment[start] === 'deskctl') {
          const args = segment.slice(start + 1);
          const redirect = args.findIndex((w) => /^\d?(<|>)/.test(w));
          commands.push(redirect < 0 ? args : args.slice(0, redirect));
        }
        segment = [];
      };
      for (const w of words) {
        if (['|', '||', '&&', ';', '&'].includes(w)) flush();
        else if (!(segment.length === 0 && /^[A-Z_][A-Z0-9_]*=/.test(w))) segment.push(w); // VAR=x deskctl ...
      }
      flush();
    }
  }
  return commands;
}

class Validated extends Error {}

/**
 * Parses args with the real command tree (built from dist/) without running any action: returns
 * undefined when the subcommand path, every flag and the arguments are accepted, else commander's error.
 */
export async function commandLineError(args: string[]): Promise<string | undefined> {
  const cli = (await import(pathToFileURL(join(ROOT, 'dist', 'src', 'cli.js')).href)) as { loadCommandTree(): Promise<Command> };
  const program = await cli.loadCommandTree();
  let message = '';
  const silence = (cmd: Command) => {
    cmd.configureOutput({ writeOut: () => undefined, writeErr: (s) => void (message += s), outputError: (s) => void (message += s) });
    cmd.exitOverride();
    cmd.commands.forEach(silence);
  };
  silence(program);
  program.hook('preAction', () => {
    throw new Validated();
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return undefined;
  } catch (err) {
    if (err instanceof Validated) return undefined;
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version') return undefined;
    return (message || (err as Error).message).trim();
  }
}
