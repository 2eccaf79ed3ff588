import { echoTestPlugin } from './echotest.ts';
import type { JanusPluginFactory } from './plugin.ts';
import { sipPlugin } from './sip-plugin.ts';

/**
 * The plugins a gateway can load, by package name (Janus loads every .so in its plugins folder; a scenario's gateway
 * names the ones it loads in its `plugins` field). A new plugin is one module exporting a `JanusPluginFactory` and
 * one line here.
 */
export const JANUS_PLUGIN_FACTORIES: readonly JanusPluginFactory[] = [echoTestPlugin, sipPlugin];

export function pluginFactory(pkg: string): JanusPluginFactory | undefined {
  return JANUS_PLUGIN_FACTORIES.find((f) => f.package === pkg);
}
