"""The peer: swallows UDP, echoes one TCP line per connection."""
import socket, threading, sys
def udp(family, addr):
    s = socket.socket(family, socket.SOCK_DGRAM); s.bind((addr, 4444))
    while True: s.recvfrom(70000)
def tcp(family, addr):
    l = socket.socket(family, socket.SOCK_STREAM); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((addr, 5555)); l.listen(4)
    while True:
        c, _ = l.accept(); d = c.recv(100); c.sendall(d.upper()); c.close()
for f, a in ((socket.AF_INET, '10.9.0.2'), (socket.AF_INET6, 'fd00:9::2')):
    threading.Thread(target=udp, args=(f, a), daemon=True).start()
    threading.Thread(target=tcp, args=(f, a), daemon=True).start()
threading.Event().wait()
