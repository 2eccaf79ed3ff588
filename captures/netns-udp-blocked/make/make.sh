#!/bin/sh
# A TURN client behind a Linux firewall that drops UDP: run as root from the capture's folder (needs ip, nft,
# dumpcap, turnserver, turnutils_stunclient, turnutils_uclient, turnutils_peer from coturn). Three network namespaces:
# a client, a router whose nftables forward chain drops every UDP datagram (counted), and a server running coturn
# (UDP and TCP on 3478, long-term credentials) with turnutils_peer as the far peer. dumpcap on both of the router's
# interfaces (one pcapng, two interfaces: what the firewall let through is seen on both, what it dropped inside only).
# What the client does, in order:
#   turnutils_stunclient: a STUN Binding request over UDP (no server-reflexive address: it is dropped);
#   turnutils_uclient over UDP: its Allocate is dropped, retransmitted, and never answered;
#   turnutils_uclient -t: the same over TCP: 401 challenge, Allocate, CreatePermission, ChannelBind and relayed data
#   to the peer (the relay's own UDP to the peer stays behind the firewall, on the server) — a TURN over TCP fallback.
set -eu
OUT=${1:-.}
C=rtclab-fw-cli R=rtclab-fw-fw S=rtclab-fw-srv
USER=rtclab PASS=rtclab-secret REALM=rtclab.example
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; for n in $C $R $S; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
for n in $C $R $S; do ip netns add $n; ip netns exec $n sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; ip -n $n link set lo up; done
ip link add cli0 netns $C type veth peer name in0 netns $R
ip link add out0 netns $R type veth peer name srv0 netns $S
ip -n $C addr add 10.0.0.2/24 dev cli0
ip -n $R addr add 10.0.0.1/24 dev in0
ip -n $R addr add 203.0.113.1/24 dev out0
ip -n $S addr add 203.0.113.2/24 dev srv0
for i in "$C cli0" "$R in0" "$R out0" "$S srv0"; do set -- $i; ip -n $1 link set $2 up; done
ip -n $C route add default via 10.0.0.1
ip -n $S route add default via 203.0.113.1
ip netns exec $R sysctl -q -w net.ipv4.ip_forward=1
# the firewall: every forwarded UDP datagram is dropped (and counted); TCP and ICMP pass
ip netns exec $R nft -f - <<'NFT'
table inet rtclab_fw {
  chain forward { type filter hook forward priority filter; policy accept; meta l4proto udp counter drop; }
}
NFT
WORK=$(mktemp -d)
ip netns exec $S turnserver -n --listening-ip=203.0.113.2 --relay-ip=203.0.113.2 --listening-port=3478 \
  --lt-cred-mech --user=$USER:$PASS --realm=$REALM --no-tls --no-dtls --no-cli --log-file=stdout --simple-log \
  --min-port=49152 --max-port=49200 >"$WORK/turnserver.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec $S turnutils_peer -L 203.0.113.2 -p 3480 >"$WORK/peer.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec $R dumpcap -q -i in0 -i out0 -w "$WORK/cap.pcapng" >/dev/null 2>&1 &
DUMP=$!
sleep 2
ip netns exec $C timeout 6 turnutils_stunclient -p 3478 203.0.113.2 >"$WORK/stunclient.log" 2>&1 || true
sleep 0.5
ip netns exec $C timeout 12 turnutils_uclient -v -c -u $USER -w $PASS -e 203.0.113.2 -r 3480 -n 5 -m 1 -l 120 -z 20 -p 3478 203.0.113.2 >"$WORK/uclient-udp.log" 2>&1 || true
sleep 0.5
ip netns exec $C timeout 20 turnutils_uclient -v -t -c -u $USER -w $PASS -e 203.0.113.2 -r 3480 -n 5 -m 1 -l 120 -z 20 -p 3478 203.0.113.2 >"$WORK/uclient-tcp.log" 2>&1 || true
sleep 1
kill $DUMP
wait $DUMP || true
ip netns exec $R nft list ruleset >"$WORK/nft-ruleset.txt"
cp "$WORK/cap.pcapng" "$OUT/netns-udp-blocked.pcapng"
chmod 644 "$OUT/netns-udp-blocked.pcapng"
for f in turnserver.log peer.log stunclient.log uclient-udp.log uclient-tcp.log nft-ruleset.txt; do cp "$WORK/$f" "$OUT/logs/$f"; done
{ uname -sr; turnserver --version 2>/dev/null | head -1; dpkg-query -W coturn nftables tshark iproute2; date -u +made:%Y-%m-%dT%H:%M:%SZ; } >"$OUT/logs/versions.txt" 2>&1
rm -rf "$WORK"
