import { App } from './app.ts';

const app = new App();
// Exposed for the browser tests and the benchmark (they drive the same objects a user does).
(window as unknown as { rtclab: App }).rtclab = app;
app.loaded = app.start().catch((e: unknown) => {
  app.setStatus(`Could not start: ${e instanceof Error ? e.message : String(e)}`);
});
