/**
 * Whether this Worker runs locally (`npm run dev`, tests). The one predicate for every local-only path
 * (/__dev/*, fault switches, short secrets): exactly "development" or "test"; anything else, unset included,
 * is treated as production.
 */
export function isLocal(env: Pick<Env, "ENVIRONMENT">): boolean {
  const environment: unknown = env.ENVIRONMENT;
  return environment === "development" || environment === "test";
}
