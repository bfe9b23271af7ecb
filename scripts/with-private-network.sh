#!/usr/bin/env bash
# Runs a command in a network namespace of its own, so a test may firewall it (nft) without
# touching the machine's network: the loopback, and a veth pair carrying 198.51.100.2/24 (TEST-NET-2)
# with a default route through it, because browsers take no ICE host candidates from the loopback
# and gather nothing on a machine with no other interface. Everything the command starts (the
# local stack, coturn, the browsers) lives in the namespace and goes with it. As root a plain
# `unshare -n`; otherwise a user namespace too (`unshare -rn`), where the kernel allows one.
# Inside, CALL_WIDGETS_PRIVATE_NETWORK=1 says so.
#   scripts/with-private-network.sh node --import tsx --test test/network/path-cut.test.ts
set -euo pipefail
for tool in unshare ip nft; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing: apt-get install -y util-linux iproute2 nftables" >&2; exit 1; }
done
flags=(-n)
[[ $(id -u) == 0 ]] || flags=(-r -n)
setup='ip link set lo up &&
  ip link add cw0 type veth peer name cw1 &&
  ip addr add 198.51.100.2/24 dev cw0 &&
  ip link set cw1 up && ip link set cw0 up &&
  ip route add default via 198.51.100.1 &&
  CALL_WIDGETS_PRIVATE_NETWORK=1 exec "$@"'
exec unshare "${flags[@]}" -- sh -c "$setup" private-network "$@"
