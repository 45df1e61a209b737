#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, combined broker + controller) for development and tests.
#
#   scripts/kafka.sh fetch    download the broker jars from Maven Central into infra/kafka/lib (once)
#   scripts/kafka.sh start    format fresh storage, start the broker in the background, wait until it serves
#   scripts/kafka.sh stop     stop the broker (SIGTERM, then SIGKILL) and remove its data dir
#   scripts/kafka.sh status   report whether the broker is running (exit 0) or not (exit 3)
#
# Environment:
#   KAFKA_PORT             client port on 127.0.0.1 (default 9092); the controller listens on KAFKA_PORT + 1
#   KAFKA_CONTROLLER_PORT  controller port (default KAFKA_PORT + 1)
#   KAFKA_DATA_DIR         broker state: storage, logs, pid file (default .kafka/<port> in the repository);
#                          removed by `stop`
#   KAFKA_HEAP_OPTS        JVM heap options (default -Xms128m -Xmx512m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to serve (default 60)
#   KAFKA_START_EXCLUSIVE  1: `start` never reuses a running broker; it exits with status 4 when the
#                          ports or the data dir are taken (the test setup then tries other ports)
#   JAVA_HOME              Java 17 or newer (default: java on PATH)
#
# Exit status: 0 done, 1 error, 2 usage, 3 `status`: not running, 4 `start`: port or data dir taken.
# Starts on one machine are serialised with a lock, so concurrent test runs never race for a port.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA_DIR="$REPO_ROOT/infra/kafka"
LIB_DIR="$INFRA_DIR/lib"
HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA_DIR="${KAFKA_DATA_DIR:-$REPO_ROOT/.kafka/$PORT}"
PID_FILE="$DATA_DIR/broker.pid"
LOG_DIR="$DATA_DIR/logs"
# Written into every data dir this script creates; `stop` removes only directories that carry it.
MARKER_FILE="$DATA_DIR/.keymeter-kafka"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
START_EXCLUSIVE="${KAFKA_START_EXCLUSIVE:-0}"
START_LOCK_FILE="${TMPDIR:-/tmp}/keymeter-kafka-start.lock"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { printf 'kafka: %s\n' "$*"; }
die() {
  printf 'kafka: error: %s\n' "$*" >&2
  exit 1
}
taken() {
  printf 'kafka: %s\n' "$*" >&2
  exit 4
}

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$INFRA_DIR/pom.xml" | head -n 1
}

jars_present() {
  [[ -f "$LIB_DIR/kafka_2.13-$(kafka_version).jar" ]]
}

cmd_fetch() {
  if jars_present; then
    return 0
  fi
  command -v mvn > /dev/null || die "mvn (Apache Maven) is needed to fetch the broker jars"
  log "fetching Apache Kafka $(kafka_version) jars from Maven Central ..."
  # Copy into a private directory first, then swap it in, so an interrupted or concurrent fetch
  # never leaves a half-filled lib directory behind.
  local staging="$LIB_DIR.tmp.$$"
  rm -rf "$staging"
  if ! mvn -B -q -Dstyle.color=never -f "$INFRA_DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$staging"; then
    rm -rf "$staging"
    die "Maven could not fetch the broker jars (see the output above)"
  fi
  if jars_present; then
    rm -rf "$staging" # another fetch finished first
  else
    rm -rf "$LIB_DIR"
    mv "$staging" "$LIB_DIR"
  fi
  log "jars in ${LIB_DIR#"$REPO_ROOT"/}"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2> /dev/null || return 1
  echo "$pid"
}

port_open() {
  # A TCP connect through bash's /dev/tcp; the subshell closes the descriptor.
  (exec 3<> "/dev/tcp/$HOST/$1") 2> /dev/null
}

check_java() {
  command -v "$JAVA_BIN" > /dev/null || die "java not found (set JAVA_HOME or put Java 17+ on PATH)"
  local major
  major="$("$JAVA_BIN" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  [[ -n "$major" && "$major" -ge 17 ]] || die "Kafka $(kafka_version) needs Java 17 or newer (found: ${major:-unknown})"
}

random_cluster_id() {
  # A KRaft cluster id is a base64url-encoded 16-byte UUID (22 characters); one must not begin with '-'.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && break
  done
  echo "$id"
}

remove_data_dir() {
  if [[ -d "$DATA_DIR" ]]; then
    [[ -f "$MARKER_FILE" ]] || die "refusing to remove $DATA_DIR: it was not created by this script"
    rm -rf "$DATA_DIR"
  fi
}

write_server_properties() {
  cat > "$DATA_DIR/server.properties" << PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/storage
# Topics are created explicitly by the application, with explicit partition counts.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A single member joins at once instead of waiting for more to arrive.
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
PROPS
}

java_opts() {
  echo "-Dlog4j2.configurationFile=$INFRA_DIR/log4j2.xml -Dkafka.logs.dir=$LOG_DIR -Djava.awt.headless=true"
}

cmd_start() {
  if command -v flock > /dev/null; then
    # Held until this script exits: the port checks and the broker's bind happen under it.
    exec 9> "$START_LOCK_FILE"
    flock -w 120 9 || die "timed out waiting for another broker start ($START_LOCK_FILE)"
  fi
  local pid
  if pid="$(running_pid)"; then
    [[ "$START_EXCLUSIVE" == 1 ]] && taken "a broker (pid $pid) already runs from $DATA_DIR"
    log "already running on $HOST:$PORT (pid $pid)"
    echo "$HOST:$PORT"
    return 0
  fi
  jars_present || die "broker jars missing: run 'scripts/kafka.sh fetch' first"
  check_java
  if port_open "$PORT"; then
    taken "port $PORT on $HOST is already in use by another process (set KAFKA_PORT)"
  fi
  if port_open "$CONTROLLER_PORT"; then
    taken "controller port $CONTROLLER_PORT on $HOST is already in use (set KAFKA_CONTROLLER_PORT)"
  fi

  # Every start begins from empty storage: a stale dir from an unclean exit is discarded.
  remove_data_dir
  mkdir -p "$DATA_DIR/storage" "$LOG_DIR"
  touch "$MARKER_FILE"
  write_server_properties

  local started_at="$EPOCHREALTIME"
  printf 'kafka: starting broker on %s:%s ... ' "$HOST" "$PORT"
  local cp="$LIB_DIR/*"
  # shellcheck disable=SC2046 # java_opts is a list of options
  if ! "$JAVA_BIN" -Xmx256m $(java_opts) -cp "$cp" kafka.tools.StorageTool format \
    --cluster-id "$(random_cluster_id)" --config "$DATA_DIR/server.properties" \
    > "$LOG_DIR/format.out" 2>&1; then
    echo "failed"
    cat "$LOG_DIR/format.out" >&2
    die "formatting storage in $DATA_DIR failed"
  fi

  # shellcheck disable=SC2046,SC2086 # option lists are split on purpose
  nohup "$JAVA_BIN" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 $(java_opts) -cp "$cp" \
    kafka.Kafka "$DATA_DIR/server.properties" > "$LOG_DIR/stdout.log" 2>&1 < /dev/null 9>&- &
  pid=$!
  echo "$pid" > "$PID_FILE"

  # Ready = the server logged that startup completed and the client port accepts connections.
  local deadline=$((SECONDS + START_TIMEOUT))
  until grep -q "Kafka Server started" "$LOG_DIR/server.log" 2> /dev/null && port_open "$PORT"; do
    if ! kill -0 "$pid" 2> /dev/null; then
      echo "failed"
      tail -n 40 "$LOG_DIR/stdout.log" "$LOG_DIR/server.log" >&2 2> /dev/null || true
      die "the broker exited during startup (logs above; data dir $DATA_DIR)"
    fi
    if ((SECONDS >= deadline)); then
      echo "timed out"
      tail -n 40 "$LOG_DIR/server.log" >&2 2> /dev/null || true
      stop_pid "$pid"
      die "the broker did not serve on $HOST:$PORT within ${START_TIMEOUT}s (data dir $DATA_DIR)"
    fi
    sleep 0.2
  done
  echo "ready in $(elapsed_since "$started_at")s (pid $pid)"
  echo "$HOST:$PORT"
}

elapsed_since() {
  # Seconds with one decimal since an $EPOCHREALTIME reading (bash 5).
  awk -v start="${1/,/.}" -v now="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", now - start }'
}

stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2> /dev/null || return 0
  # A single-node broker shuts down in a few seconds; give it 30 before forcing it.
  while kill -0 "$pid" 2> /dev/null && ((waited < 150)); do
    sleep 0.2
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2> /dev/null; then
    log "broker (pid $pid) ignored SIGTERM for 30s, sending SIGKILL"
    kill -KILL "$pid" 2> /dev/null || true
    while kill -0 "$pid" 2> /dev/null; do sleep 0.1; done
  fi
}

cmd_stop() {
  local pid
  if pid="$(running_pid)"; then
    printf 'kafka: stopping broker on %s:%s (pid %s) ... ' "$HOST" "$PORT" "$pid"
    stop_pid "$pid"
    echo "stopped"
  else
    log "no broker running for $DATA_DIR"
  fi
  remove_data_dir
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$PORT"; then
      log "running on $HOST:$PORT (pid $pid, data dir $DATA_DIR)"
    else
      log "starting or unresponsive: pid $pid is alive but $HOST:$PORT does not accept connections"
    fi
    return 0
  fi
  log "not running (port $PORT, data dir $DATA_DIR)"
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 fetch|start|stop|status" >&2
    exit 2
    ;;
esac
