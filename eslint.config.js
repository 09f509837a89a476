import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      ".wrangler",
      "public/static/vendor",
      "worker-configuration.d.ts",
      "dist",
      "test-results",
      "examples/openapi-types.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Money must never pass through a float.
      "no-restricted-globals": ["error", { name: "parseFloat", message: "Never parse money as a float; use lib/money.ts" }],
      "no-restricted-properties": [
        "error",
        { object: "Number", property: "parseFloat", message: "Never parse money as a float; use lib/money.ts" },
      ],
    },
  },
  {
    files: ["public/static/*.js"],
    languageOptions: { globals: { window: "readonly", SwaggerUIBundle: "readonly" } },
  },
  {
    files: ["public/dashboard/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: {
        window: "readonly",
        document: "readonly",
        sessionStorage: "readonly",
        fetch: "readonly",
        URLSearchParams: "readonly",
        FormData: "readonly",
        Intl: "readonly",
        HTMLElement: "readonly",
      },
    },
  },
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        URL: "readonly",
        URLSearchParams: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        performance: "readonly",
        Response: "readonly",
        structuredClone: "readonly",
        WebSocket: "readonly",
      },
    },
  },
);
