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

# Three ports per shard (TCP, HTTP, interserver): a random base with all six free.
pick_base() {
  for _ in $(seq 1 50); do
    local base=$((20000 + RANDOM % 20000)) ok=1
    for off in 0 1 2 3 4 5; do port_free $((base + off)) || ok=0; done
    if [ "$ok" = 1 ]; then echo "$base"; return 0; fi
  done
  echo "no free ports found" >&2
  return 1
}

start() {
  local server
  # Debian installs the server in /usr/sbin, which a non-root PATH may lack.
  server="$(command -v clickhouse-server || command -v /usr/sbin/clickhouse-server || true)"
  [ -n "$server" ] || { echo "clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)" >&2; exit 1; }
  local dir="${1:-}"
  if [ -z "$dir" ]; then dir="$(mktemp -d "${TMPDIR:-/tmp}/cbm-clickhouse.XXXXXX")"; else mkdir -p "$dir"; fi
  dir="$(cd "$dir" && pwd)"
  local base
  base="$(pick_base)"
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
      echo "shard $i did not start; its log:" >&2
      tail -n 20 "$dir/s$i/err.txt" "$dir/s$i/stdout.txt" >&2 2>/dev/null || true
      stop "$dir"
      exit 1
    fi
  done
  echo "CBM_CLICKHOUSE_SHARDS=http://127.0.0.1:$http1,http://127.0.0.1:$http2"
  echo "CBM_CLICKHOUSE_CLUSTER=cbm"
  echo "CBM_CLICKHOUSE_DIR=$dir"
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] && [ -f "$dir/users.xml" ] || { echo "stop: '$dir' is not a folder made by '$0 start'" >&2; exit 2; }
  local i pid
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
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) usage ;;
esac
