import { DeskctlError, ExitCode } from '../errors.js';

/** SQLSTATEs that a person must fix in the settings: exit 4. */
const CONFIG_CODES: Record<string, string> = {
  '28P01': 'the password was refused',
  '28000': 'the role may not log in (no such role, or pg_hba.conf refuses it)',
  '3D000': 'the database does not exist',
  '42501': 'the role lacks a privilege deskctl needs (CREATE on the database, or on its schema)',
  '3F000': 'the schema does not exist',
};

/** SQLSTATEs and socket errors meaning the server is not there right now: exit 1. */
const UNAVAILABLE_CODES: Record<string, string> = {
  '57P01': 'the server is shutting down',
  '57P02': 'the server is restarting',
  '57P03': 'the server is starting up or not accepting connections',
  '53300': 'the server has too many connections',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name is unknown',
  EAI_AGAIN: 'the host name could not be resolved',
  EPIPE: 'the connection was closed',
};

const HINT_CONFIG = 'check DESKCTL_STATE_URL or the profile\'s state URL and password (deskctl profile show)';
const HINT_DOWN = 'is the server running and reachable from here? deskctl never falls back to local state';

/**
 * The one-line error for a state database that cannot be used, or undefined when `err` is not about
 * the connection (a faulty statement stays the programming error it is). `where` is the URL without
 * its password; the driver's own text is not quoted, as it may hold connection details.
 */
export function stateDbError(err: unknown, where: string): DeskctlError | undefined {
  if (err instanceof DeskctlError) return err;
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  // several addresses tried (localhost: ::1 and 127.0.0.1): Node reports an AggregateError
  if (!e?.code && Array.isArray(e?.errors) && e.errors.length) return stateDbError(e.errors[0], where);
  const code = e?.code ?? '';
  const message = String(e?.message ?? '');
  const config = CONFIG_CODES[code];
  if (config) return new DeskctlError(`state database ${where}: ${config}`, { hint: HINT_CONFIG, exitCode: ExitCode.auth, cause: err });
  if (/password must be a string|SASL: SCRAM-SERVER-FIRST-MESSAGE/.test(message)) {
    return new DeskctlError(`state database ${where}: a password is needed and none was given`, { hint: HINT_CONFIG, exitCode: ExitCode.auth, cause: err });
  }
  const down =
    UNAVAILABLE_CODES[code] ??
    (code.startsWith('08') ? 'the connection failed' : undefined) ??
    (/timeout expired|connection timeout/i.test(message) ? 'no answer within the connect timeout' : undefined) ??
    (/Connection terminated|terminating connection/i.test(message) ? 'the connection was closed by the server' : undefined);
  if (down) return new DeskctlError(`state database ${where} is unavailable: ${down}`, { hint: HINT_DOWN, exitCode: ExitCode.failure, cause: err });
  return undefined;
}
