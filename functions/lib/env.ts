/** Reads a required environment variable, failing at cold start rather than on the first request. */
export function getStringFromEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

/** Reads an optional environment variable; empty counts as unset. */
export function getOptionalFromEnv(name: string): string | undefined {
  return process.env[name] || undefined;
}
