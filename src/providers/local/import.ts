import { statSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { checkRecord } from './import-record.js';
import { readRecords, type ImportFormat } from './import-read.js';
import { HelpdeskImport, type ImportResult } from './import-write.js';

export type { ImportResult } from './import-write.js';

export interface ImportFileOptions {
  format: ImportFormat;
  replace: boolean;
  /** Leave invalid records out (listed in the result) instead of refusing the file. */
  skipInvalid: boolean;
  encoding?: string;
  /** IANA zone for times written without an offset (refused without it). */
  tz?: string;
  onProgress?: (p: { tickets: number; bytes: number; totalBytes: number }) => void;
}

/**
 * Streams an import file into a local helpdesk: all or nothing (the copy is swapped in only when
 * every record is read and valid, or skipped with skipInvalid).
 */
export async function importFile(file: string, helpdesk: string, opts: ImportFileOptions): Promise<ImportResult> {
  const totalBytes = statSync(file).size;
  let bytes = 0;
  const imp = await HelpdeskImport.begin(helpdesk, { replace: opts.replace });
  const invalid: string[] = [];
  let invalidCount = 0;
  try {
    for await (const rec of readRecords(file, opts.format, { encoding: opts.encoding, onBytes: (b) => (bytes = b) })) {
      const checked = checkRecord(rec.value, opts.tz);
      if (checked.ok) {
        if (!invalidCount) imp.add(checked.ticket, rec.label);
      } else if (opts.skipInvalid) imp.skip(rec.label, checked.problem);
      else if (++invalidCount <= 3) invalid.push(`${rec.label}: ${checked.problem}`);
      const n = imp.result.imported;
      if (opts.onProgress && n % 1000 === 0) opts.onProgress({ tickets: n, bytes, totalBytes });
    }
    if (invalidCount) {
      throw new UsageError(
        `${invalidCount} invalid record${invalidCount > 1 ? 's' : ''}, nothing imported: ${invalid.join(' | ')}${invalidCount > 3 ? ' | ...' : ''}`,
        'fix the file, or pass --skip-invalid to import the rest and list the invalid ones (formats: docs/import-export.md)',
      );
    }
    return imp.finish();
  } catch (err) {
    imp.abort();
    throw err;
  }
}
