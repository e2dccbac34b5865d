import { defineConfig } from "vitest/config";

// Built files are served by Django (whitenoise) under /static/; index.html by the dashboard view.
export default defineConfig({
  base: "/static/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  worker: { format: "es" },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
