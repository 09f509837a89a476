// Bundle-only stand-in for the "zod" entry point (wrangler.toml [alias]): the same exports minus
// `locales`, 364 KiB of translations the API never uses. @hono/zod-openapi passes the whole `z`
// namespace to zod-to-openapi as a value, so no bundler can tree-shake them; this file can.
// The two files it re-exports are generated from zod's own entry files: `npm run vendor:zod-lean` after upgrading zod.
import * as z from "./zod-lean-external.js";
export * from "./zod-lean-external.js";
export { z, z as default };
