#!/usr/bin/env bash
# A two-shard ClickHouse cluster on loopback for tests and for trying the distributed fit:
#   scripts/clickhouse-cluster.sh start [DIR]   starts it (DIR: a new temporary folder by default)
#   scripts/clickhouse-cluster.sh stop DIR      stops both servers by PID and removes DIR
# Each shard is a clickhouse-server process (Debian's clickhouse-server package, 18.16 or later)
# with its own config.xml in DIR/s1, DIR/s2, listening on 127.0.0.1 only, sharing DIR/users.xml
# (user 'default', no password, loopback only). Queries are logged in each shard's
# system.query_log (the bench reads what each shard read). Both shards name the cluster 'cbm' of
# two shards in <remote_servers>, so `ENGINE = Distributed(cbm, default, t)` spreads over them.
# No root-owned service is touched and nothing listens beyond 127.0.0.1.
# `start` prints shell assignments (eval them) that the tests read to reuse the cluster:
#   CBM_CLICKHOUSE_SHARDS=http://127.0.0.1:P1,http://127.0.0.1:P2  CBM_CLICKHOUSE_CLUSTER=cbm  CBM_CLICKHOUSE_DIR=DIR
set -euo pipefail

usage() { echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Three ports per shard (TCP, HTTP, interserver): a random base with all six free, below the
# kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default). port_free sees
# only listening ports, not the local port of a client connection (or its TIME_WAIT), and a
# server cannot listen on one of those ("Address already in use"): a base among the ephemeral
# ports could be taken by any connection on the machine before the servers bind it.
pick_base() {
  local low=32768 high=60999 from=20000 span=20000
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then read -r low high </proc/sys/net/ipv4/ip_local_port_range; fi
  if [ "$low" -gt 12000 ]; then from=10000 span=$((low - 6 - 10000)); fi
  for _ in $(seq 1 50); do
    local base=$((from + (RANDOM * 32768 + RANDOM) % span)) ok=1
    for off in 0 1 2 3 4 5; do port_free $((base + off)) || ok=0; done
    if [ "$ok" = 1 ]; then echo "$base"; return 0; fi
  done
  echo "no free ports found" >&2
  return 1
}

# Writes the configs for ports base..base+5 and starts both shards; 0 when both answer, 2 when a
# port was taken meanwhile (the servers are stopped), 1 on any other failure (stopped, log shown).
launch() {
  local dir="$1" server="$2"
  local base
  base="$(pick_base)" || return 1
  local tcp1=$base http1=$((base + 1)) inter1=$((base + 2)) tcp2=$((base + 3)) http2=$((base + 4)) inter2=$((base + 5))
  cat >"$dir/users.xml" <<XML
<yandex>
  <profiles><default><log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
  local i tcp http inter
  for i in 1 2; do
    if [ "$i" = 1 ]; then tcp=$tcp1 http=$http1 inter=$inter1; else tcp=$tcp2 http=$http2 inter=$inter2; fi
    rm -rf "${dir:?}/s$i"
    mkdir -p "$dir/s$i/data" "$dir/s$i/tmp"
    cat >"$dir/s$i/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$dir/s$i/log.txt</log><errorlog>$dir/s$i/err.txt</errorlog></logger>
  <tcp_port>$tcp</tcp_port><http_port>$http</http_port><interserver_http_port>$inter</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/s$i/data/</path><tmp_path>$dir/s$i/tmp/</tmp_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>53687091</mark_cache_size>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
  <remote_servers><cbm>
    <shard><replica><host>127.0.0.1</host><port>$tcp1</port></replica></shard>
    <shard><replica><host>127.0.0.1</host><port>$tcp2</port></replica></shard>
  </cbm></remote_servers>
</yandex>
XML
    # setsid: the server outlives this script and is stopped by its PID (stop), not by our session.
    setsid "$server" --config-file="$dir/s$i/config.xml" >"$dir/s$i/stdout.txt" 2>&1 </dev/null &
    echo $! >"$dir/s$i/pid"
  done
  for i in 1 2; do
    if [ "$i" = 1 ]; then tcp=$tcp1; else tcp=$tcp2; fi
    local ready=0
    for _ in $(seq 1 300); do
      if clickhouse-client --host 127.0.0.1 --port "$tcp" --query 'SELECT 1' >/dev/null 2>&1; then ready=1; break; fi
      if ! kill -0 "$(cat "$dir/s$i/pid")" 2>/dev/null; then break; fi
      sleep 0.2
    done
    if [ "$ready" != 1 ]; then
      stop_servers "$dir"
      # A port taken between pick_base and the server's bind (another cluster starting at the
      # same time, say): start again on other ports.
      if grep -qs 'Address already in use' "$dir/s$i/err.txt" "$dir/s$i/stdout.txt"; then return 2; fi
      echo "shard $i did not start; its log:" >&2
      tail -n 20 "$dir/s$i/err.txt" "$dir/s$i/stdout.txt" >&2 2>/dev/null || true
      return 1
    fi
  done
  echo "CBM_CLICKHOUSE_SHARDS=http://127.0.0.1:$http1,http://127.0.0.1:$http2"
  echo "CBM_CLICKHOUSE_CLUSTER=cbm"
  echo "CBM_CLICKHOUSE_DIR=$dir"
}

start() {
  local server
  # Debian installs the server in /usr/sbin, which a non-root PATH may lack.
  server="$(command -v clickhouse-server || command -v /usr/sbin/clickhouse-server || true)"
  [ -n "$server" ] || { echo "clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)" >&2; exit 1; }
  local dir="${1:-}"
  if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/tmp}/cbm-clickhouse.XXXXXX")"; else mkdir -p "$dir"; fi
  dir="$(cd "$dir" && pwd)"
  local attempt status
  for attempt in 1 2 3 4 5; do
    status=0
    launch "$dir" "$server" || status=$?
    [ "$status" = 2 ] || break
    echo "a port was taken while shard servers started (attempt $attempt); trying other ports" >&2
  done
  if [ "$status" != 0 ]; then
    rm -rf "$dir"
    exit 1
  fi
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] && [ -f "$dir/users.xml" ] || { echo "stop: '$dir' is not a folder made by '$0 start'" >&2; exit 2; }
  stop_servers "$dir"
  rm -rf "$dir"
}

# Stops both shards of DIR by PID (SIGTERM, SIGKILL after 10 s).
stop_servers() {
  local dir="$1" i pid
  for i in 1 2; do
    [ -f "$dir/s$i/pid" ] || continue
    pid="$(cat "$dir/s$i/pid")"
    kill "$pid" 2>/dev/null || true
  done
  for i in 1 2; do
    [ -f "$dir/s$i/pid" ] || continue
    pid="$(cat "$dir/s$i/pid")"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) usage ;;
esac
