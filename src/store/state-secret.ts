/** The key in secrets.json holding a profile's state database password (team mode). */
export const STATE_PASSWORD_SECRET = 'statePassword';
