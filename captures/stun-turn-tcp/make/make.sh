#!/bin/sh
# Records coturn's TURN over TCP (RFC 8656 §11.5 / RFC 8489 §6.2.2) on loopback: run as root from this folder's parent.
# Ports are not the IANA ones (13478, not 3478) so the dissector must recognise STUN by content, not by port.
set -eu
OUT=${1:-.}
WORK=$(mktemp -d)
PORT=13478
PEER=13480
dumpcap -q -i lo -f "tcp port $PORT or udp port $PEER or udp portrange 49300-49340" -w "$WORK/cap.pcapng" &
DUMP=$!
sleep 2
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$PORT \
  --lt-cred-mech --user=alice:s3cr3t-pass --realm=example.org --fingerprint \
  --allow-loopback-peers --no-cli --no-tls --no-dtls --no-udp \
  --min-port=49300 --max-port=49340 --db="$WORK/turndb" --log-file=stdout --simple-log --verbose >"$OUT/logs/turnserver.log" 2>&1 &
TURN=$!
turnutils_peer -L 127.0.0.1 -p $PEER >"$OUT/logs/peer.log" 2>&1 &
PEERPID=$!
sleep 2
# channel mode: ChannelData over TCP, 121-byte messages so every one is padded to 124 (RFC 8656 §12.5)
turnutils_uclient -t -v -c -u alice -w s3cr3t-pass -e 127.0.0.1 -r $PEER -n 8 -m 1 -l 121 -z 20 -p $PORT 127.0.0.1 >"$OUT/logs/uclient-channel.log" 2>&1
sleep 1
# send mode: Send/Data indications over TCP
turnutils_uclient -t -v -c -s -u alice -w s3cr3t-pass -e 127.0.0.1 -r $PEER -n 6 -m 1 -l 121 -z 20 -p $PORT 127.0.0.1 >"$OUT/logs/uclient-send.log" 2>&1
sleep 2
kill $TURN $PEERPID
sleep 1
kill $DUMP
wait $DUMP || true
cp "$WORK/cap.pcapng" "$OUT/stun-turn-tcp.pcapng"
{ turnserver --version 2>&1 | head -1 | sed 's/^/coturn /'; dpkg-query -W coturn tshark; uname -sr; } >"$OUT/logs/versions.txt"
rm -rf "$WORK"
