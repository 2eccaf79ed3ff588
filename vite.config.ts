import { defineConfig } from 'vite';

// The visualizer lives in viz/; `npm start` serves it on the default lesson.
export default defineConfig({
  root: 'viz',
  publicDir: false,
  server: { port: 5173, strictPort: false, fs: { allow: ['..'] } },
  build: { outDir: '../dist/viz', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
