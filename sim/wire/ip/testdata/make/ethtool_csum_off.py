"""Turn transmit checksum offload off on an interface (ETHTOOL_STXCSUM), so captured TCP/UDP checksums are final."""
import fcntl, socket, struct, sys, array

SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17
ETHTOOL_SSG = 0x19
ETHTOOL_STSO = 0x1F

def set_value(ifname: str, cmd: int, value: int) -> None:
    data = array.array('B', struct.pack('II', cmd, value))
    addr, _ = data.buffer_info()
    ifr = struct.pack('16sP', ifname.encode(), addr)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)

for name in sys.argv[1:]:
    for cmd in (ETHTOOL_STSO, ETHTOOL_SSG, ETHTOOL_STXCSUM):
        try:
            set_value(name, cmd, 0)
        except OSError as e:
            print(f'{name}: cmd {cmd:#x}: {e}', file=sys.stderr)
