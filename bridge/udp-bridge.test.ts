import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { UdpEcho } from '../sim/apps/udp-echo.ts';
import { UdpBridge } from './udp-bridge.ts';

describe('the UDP bridge', () => {
  it('runs a sans-IO endpoint on a real loopback socket: a real client gets its answer', async () => {
    const bridge = new UdpBridge(new UdpEcho('echo', []));
    try {
      const local = await bridge.bind('127.0.0.1', 0);
      bridge.pump();
      const client = createSocket('udp4');
      const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
      client.send('hello', local.port, '127.0.0.1');
      const text = await Promise.race([reply, new Promise<string>((_, rej) => setTimeout(() => rej(new Error('no reply within 2 s')), 2000))]);
      const me = client.address();
      expect(text).toBe(`echo: you are 127.0.0.1:${me.port}`);
      client.close();
    } finally {
      bridge.close();
    }
  });
});
