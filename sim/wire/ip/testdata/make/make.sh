#!/bin/bash
# Makes ../kernel-ip-tcp-udp.pcapng: real Linux traffic between two private network namespaces (run as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../kernel-ip-tcp-udp.pcapng"
exec unshare -n bash -s "$here" "$out" <<'INNER'
set -euo pipefail
here=$1; out=$2
ip link set lo up
unshare -n sleep 60 & peer=$!
sleep 0.3
ip link add vA type veth peer name vB
ip link set vB netns $peer
ip addr add 10.9.0.1/24 dev vA; ip -6 addr add fd00:9::1/64 dev vA nodad
ip link set vA mtu 1280 up
nsenter -t $peer -n sh -c 'ip link set lo up; ip addr add 10.9.0.2/24 dev vB; ip -6 addr add fd00:9::2/64 dev vB nodad; ip link set vB mtu 1280 up'
python3 "$here/ethtool_csum_off.py" vA
nsenter -t $peer -n python3 "$here/ethtool_csum_off.py" vB
nsenter -t $peer -n python3 "$here/server.py" & srv=$!
sleep 0.5
dumpcap -q -i vA -w "$out.tmp" & cap=$!
sleep 1
python3 "$here/traffic.py"
sleep 1
kill $cap; wait $cap || true
kill $srv $peer || true
mv "$out.tmp" "$out"
INNER
