/**
 * Secrets registered here are replaced by "****" in everything deskctl prints or logs.
 * Registration happens when a profile's credentials are loaded.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

const HEADER_PATTERNS: RegExp[] = [
  /(authorization:\s*)(basic|bearer|token)\s+[^\s"',]+/gi,
  /("?(?:access_token|refresh_token|client_secret|password|api_key|apikey|token)"?\s*[:=]\s*"?)[^\s"'&,]+/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('****');
    const b64 = Buffer.from(s).toString('base64');
    if (out.includes(b64)) out = out.split(b64).join('****');
  }
  out = out.replace(HEADER_PATTERNS[0]!, (_m, p1: string, scheme: string) => `${p1}${scheme} ****`);
  out = out.replace(HEADER_PATTERNS[1]!, (_m, p1: string) => `${p1}****`);
  return out;
}

/** Redacts secrets embedded in base64 basic-auth pairs such as "email/token:X". */
export function registerBasicAuth(user: string, password: string): void {
  registerSecret(password);
  registerSecret(Buffer.from(`${user}:${password}`).toString('base64'));
}
