/** "192.0.2.1:3478", "[2001:db8::1]:3478" */
export function formatEndpoint(ip: string, port: number): string {
  // every packet of a flow names the same endpoints: their text is remembered (bounded), and is flat, so it hashes
  // once as a map key
  let ports = endpointText.get(ip);
  if (!ports) {
    if (endpointText.size >= 1024) endpointText.clear();
    ports = new Map();
    endpointText.set(ip, ports);
  }
  let text = ports.get(port);
  if (text === undefined) {
    if (ports.size >= 4096) ports.clear();
    text = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
    ports.set(port, text);
  }
  return text;
}

const endpointText = new Map<string, Map<number, string>>();
