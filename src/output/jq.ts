import type { Jq } from 'jq-wasm';
import { DeskctlError, UsageError } from '../errors.js';

/**
 * --jq EXPR: jq itself (1.8, compiled to WebAssembly and shipped in the jq-wasm package), so no jq
 * binary is needed. The engine loads asynchronously once, before the command runs (the CLI's
 * preAction hook calls prepareJq), so the output layer can filter synchronously.
 */
let engine: Jq | undefined;

// jq's exit status for a program that does not compile
const COMPILE_ERROR = 3;

const firstLine = (stderr: string) => stderr.split('\n').find((l) => l.trim())?.replace(/^jq: error(?: \(at [^)]*\))?: /, '') ?? 'jq failed';

/** Loads jq and checks that EXPR compiles (a usage error, exit 2, before anything is read or sent). */
export async function prepareJq(expr: string): Promise<void> {
  if (!expr.trim()) throw new UsageError('--jq needs an expression', "e.g. --jq '.[].id'");
  engine ??= await (await import('jq-wasm')).loadJq();
  // compiled, never run: `range(1e12)` would not finish, and jq has no compile-only switch
  const r = engine.raw(null, `if false then (${expr}
) else empty end`, ['-n']);
  if (r.exitCode === COMPILE_ERROR) {
    throw new UsageError(`invalid --jq expression: ${firstLine(r.stderr)}`, 'see https://jqlang.org/manual/ for the syntax');
  }
}

/**
 * Runs EXPR over a command's JSON and returns jq's output: strings raw (like gh's --jq and jq -r),
 * other values as JSON (compact when `compact`, e.g. for NDJSON).
 */
export function applyJq(value: unknown, expr: string, compact = false): string {
  if (!engine) throw new Error('applyJq before prepareJq');
  const r = engine.raw(value as object | null, expr, compact ? ['-r', '-c'] : ['-r']);
  if (r.exitCode !== 0 && r.stderr) throw new DeskctlError(`--jq: ${firstLine(r.stderr)}`, { hint: 'the JSON the filter reads is what --json prints' });
  return r.stdout && !r.stdout.endsWith('\n') ? `${r.stdout}\n` : r.stdout;
}
