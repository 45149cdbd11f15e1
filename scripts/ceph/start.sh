#!/usr/bin/env bash
# Starts a throwaway one-node Ceph cluster with an S3 gateway on loopback, for tests and CI:
# one monitor, one OSD on memstore (objects live in the OSD's memory, so nothing survives a stop),
# one radosgw, no manager. Debian's packages: ceph-mon ceph-osd radosgw ceph-common.
#
#   scripts/ceph/start.sh DIR [RGW_PORT [MON_PORT]]     (defaults 7480 and 3300)
#
# Everything the cluster keeps (config, keys, PID files, logs, admin sockets) is under DIR; nothing
# is read from or written to /etc/ceph. On success it prints, on stdout, lines a shell can source:
#   S3_ENDPOINT=http://127.0.0.1:PORT  AWS_ACCESS_KEY_ID=...  AWS_SECRET_ACCESS_KEY=...
# (also kept in DIR/s3.env); progress goes to stderr. Running it again while that cluster still
# answers prints the same lines and changes nothing; a cluster that is half up or gone is stopped
# (scripts/ceph/stop.sh) and made anew. It refuses a non-empty DIR it did not make.
#
# Keep DIR short (under about 80 characters): the daemons' admin sockets live in it, and a Unix
# socket path may not pass 107 bytes.
set -euo pipefail

DIR=${1:?usage: start.sh DIR [RGW_PORT [MON_PORT]]}
RGW_PORT=${2:-7480}
MON_PORT=${3:-3300}
ACCESS_KEY=${OSSV_CEPH_ACCESS_KEY:-ossvtestaccesskey}
SECRET_KEY=${OSSV_CEPH_SECRET_KEY:-ossvtestsecretkey}
HERE=$(cd "$(dirname "$0")" && pwd)
MARK=ossv-test-ceph # first line of the config: says this script made DIR
STARTED=$(date +%s.%N)

say() { awk -v now="$(date +%s.%N)" -v t0="$STARTED" -v m="$*" 'BEGIN { printf "ceph [%5.1fs] %s\n", now - t0, m }' >&2; }
fail() { echo "ceph: $*" >&2; exit 1; }
trap 'echo "ceph: start.sh failed at line $LINENO: $BASH_COMMAND (logs in $DIR/log)" >&2' ERR

for tool in ceph ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool curl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl)"
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CONF=$DIR/ceph.conf
ENDPOINT=http://127.0.0.1:$RGW_PORT

alive() { [ -f "$DIR/run/$1.pid" ] && kill -0 "$(cat "$DIR/run/$1.pid")" 2>/dev/null; }

if [ -f "$DIR/s3.env" ] && alive mon.a && alive osd.0 && alive rgw.a && curl -sf -o /dev/null "$ENDPOINT/"; then
  say "already running at $ENDPOINT"
  cat "$DIR/s3.env"
  exit 0
fi

if [ -n "$(ls -A "$DIR")" ]; then
  [ "$(head -n1 "$CONF" 2>/dev/null)" = "# $MARK" ] || fail "$DIR is not empty and was not made by this script; refusing to clear it"
  "$HERE/stop.sh" "$DIR"
  find "$DIR" -mindepth 1 -delete
fi
mkdir -p "$DIR"/{mon,osd/ceph-0,run,log,rgw,crash}

FSID=$(cat /proc/sys/kernel/random/uuid)
# One node holds every copy: pools of size 1, no CRUSH spreading across hosts, few placement groups,
# and no warnings about any of that (or about a nearly full disk) that would hold the cluster back.
# Only msgr2 on loopback. tcp_nodelay: without it small GETs wait ~40 ms on delayed ACKs.
cat > "$CONF" <<CONF
# $MARK
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $DIR/\$cluster.\$name.keyring
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 2
mon data avail crit = 1
auth allow insecure global id reclaim = false
[mon]
mon data = $DIR/mon/\$cluster-\$id
mon initial members = a
[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd class load list = *
osd class default list = *
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw data = $DIR/rgw
rgw dns name = localhost
rgw enable usage log = false
CONF
C=(-c "$CONF")

wait_for() { # SECONDS WHAT COMMAND...: polls until COMMAND succeeds, or fails naming WHAT
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not come up within ${limit}s (logs in $DIR/log)"
    sleep 0.3
  done
}

say "monitor on 127.0.0.1:$MON_PORT"
ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$DIR/ceph.client.admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/ceph.client.admin.keyring" >/dev/null
cp "$DIR/mon.keyring" "$DIR/ceph.mon.a.keyring" # where the config's keyring line sends the monitor
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring"
ceph-mon "${C[@]}" -i a --pid-file "$DIR/run/mon.a.pid"
wait_for 60 "the monitor" ceph "${C[@]}" --connect-timeout 5 -s

say "OSD (memstore)"
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
ceph-authtool --create-keyring "$DIR/ceph.osd.0.keyring" --gen-key -n osd.0 >/dev/null
printf '{"cephx_secret": "%s"}\n' "$(ceph-authtool -p -n osd.0 "$DIR/ceph.osd.0.keyring")" > "$DIR/osd-secret.json"
OSD_ID=$(ceph "${C[@]}" osd new "$OSD_UUID" -i "$DIR/osd-secret.json")
[ "$OSD_ID" = 0 ] || fail "expected OSD id 0 in a new cluster, got $OSD_ID"
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.out" 2>&1
ceph-osd "${C[@]}" -i 0 --pid-file "$DIR/run/osd.0.pid" 2>>"$DIR/log/osd-start.out" # its start-up chatter
osd_up() { ceph "${C[@]}" osd stat | grep -q '1 up'; }
wait_for 60 "the OSD" osd_up

# The gateway's first start creates its realm, zone and pools: about 10 s.
say "S3 gateway on $ENDPOINT"
ceph "${C[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$DIR/ceph.client.rgw.a.keyring"
radosgw "${C[@]}" -n client.rgw.a --pid-file "$DIR/run/rgw.a.pid"
wait_for 120 "the S3 gateway" curl -sf -o /dev/null "$ENDPOINT/"
radosgw-admin "${C[@]}" user create --uid=ossv --display-name=ossv \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null

printf 'S3_ENDPOINT=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY" > "$DIR/s3.env"
say "ready"
cat "$DIR/s3.env"
