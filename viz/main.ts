import { App } from './app.ts';

const app = new App();
// Exposed for the browser tests and the benchmark (they drive the same objects a user does).
(window as unknown as { rtclab: App }).rtclab = app;
app.loaded = app.start().catch((e: unknown) => {
  app.setStatus(`Could not start: ${e instanceof Error ? e.message : String(e)}`);
});

if (new URLSearchParams(location.search).has('bench')) {
  (window as unknown as { rtclabBench: (hops: number) => Promise<unknown> }).rtclabBench = async (hops: number) => (await import('./bench-page.ts')).runBench(app, hops);
}
