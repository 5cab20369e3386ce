/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// No React plugin: esbuild compiles JSX, and the built page must stay free of inline scripts and
// styles (the server's Content-Security-Policy allows only files from 'self').
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/.well-known": "http://127.0.0.1:8080" },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
