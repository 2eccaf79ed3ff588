/**
 * Janus presets: a browser page talking to a Janus gateway over its HTTP API (create, attach, message with the
 * offer, long polls, trickle), the echotest plugin echoing its media, and a session the gateway reaps.
 */
import { SERVER_IP, sideNodes } from './ice-pair.ts';
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

export const JANUS_IP = '198.51.100.40';
const STUN = `${SERVER_IP}:3478`;

function janusWorld(name: string, title: string, description: string, o: { duration: string; janus?: Json; client?: Json }): Json {
  return {
    name, title, description, seed: 1, duration: o.duration,
    nodes: {
      internet: { kind: 'router' },
      server: { kind: 'host', uplink: 'internet', addresses: [`${SERVER_IP}/24`], link: { delay: '10ms' } },
      janus: { kind: 'host', uplink: 'internet', addresses: [`${JANUS_IP}/24`], link: { delay: '5ms' } },
      ...sideNodes('alice', 'port-restricted-cone'),
    },
    apps: [
      { kind: 'stun-server', host: 'server', listen: STUN },
      { kind: 'janus', host: 'janus', port: 8088, plugins: ['janus.plugin.echotest'], ...o.janus },
      { kind: 'janus-client', host: 'alice', gateway: `${JANUS_IP}:8088`, plugin: 'janus.plugin.echotest', body: { audio: true, video: true }, stun: [STUN], media: { audio: true, video: { fps: 30 } }, ...o.client },
    ],
  };
}

export function janusPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add(
    'janus-echotest',
    'Janus echotest over the HTTP API',
    "A browser behind a NAT opens the Janus flow over plain HTTP on port 8088: POST /janus `create` gives a session id, POST /janus/<session> `attach` to janus.plugin.echotest a handle id, and a long-poll GET /janus/<session>?maxev=10 waits on a second connection. The page POSTs `message` with the echotest body and its JSEP offer (answered `ack`), trickles its candidates and `{\"completed\":true}`; the plugin's `event` brings the answer (the gateway's candidates, a=setup:active). The gateway is a full ICE agent: both sides check, DTLS (the gateway is the client) keys SRTP, `webrtcup` and `media` events follow, and every audio and video packet comes back echoed with the gateway's SSRCs.",
    (n, t, d) => janusWorld(n, t, d, { duration: '8s' }),
  );
  add(
    'janus-session-timeout',
    'A Janus session reaped by the gateway',
    "The echotest call of janus-echotest, but the page stops talking to the gateway at 3 s (a closed laptop lid): no more long polls, no keepalives. The gateway's session watchdog (every 2 s, session_timeout 10 s here) finds the session idle since its last poll and reaps it: a `timeout` event on its queue, its handle hung up and detached, the echotest's `done`, the media stopping.",
    (n, t, d) => janusWorld(n, t, d, { duration: '20s', janus: { sessionTimeout: '10s', pollTimeout: '30s' }, client: { stopAt: '3s' } }),
  );
  return out;
}
