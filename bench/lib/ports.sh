# Ports for the servers the benchmarks and conformance/run.sh start: a free one chosen by the kernel,
# and a check that the process answering on it is the one the script started. Without that check a
# server left over from another run (or another user's) on a reused port would be measured or tested
# in place of ours. Sourced by bench/*.sh (free ports) and conformance/run.sh; the check runs in
# conformance/run.sh and bench/documents.sh (the smoke run of ./mvnw verify), not yet in the other
# benchmarks. Needs python3 and ss (iproute2).

# A TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when the process `pid`, or one of its descendants (launch scripts fork their JVM), listens on `port`.
listens_on() { # pid, port
  local root=$1 port=$2 listener
  listener=$(ss -ltnpH "sport = :$port" 2> /dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  while [ -n "$listener" ] && [ "$listener" -gt 1 ]; do
    [ "$listener" = "$root" ] && return 0
    listener=$(ps -o ppid= -p "$listener" | tr -d ' ')
  done
  return 1
}

# Waits until `url` answers 2xx, for at most `seconds`; fails with the real cause: the process died (its
# log's tail), another process answers on the port, or time ran out.
wait_until_answers() { # url, pid, port, log, seconds
  local url=$1 pid=$2 port=$3 log=$4 deadline=$((SECONDS + $5))
  until curl -sf --max-time 10 -o /dev/null "$url"; do
    kill -0 "$pid" 2> /dev/null || { echo "the server for $url stopped:" >&2; tail -40 "$log" >&2; return 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$url did not answer in $5 s" >&2; tail -40 "$log" >&2; return 1; }
    sleep 1
  done
  listens_on "$pid" "$port" || {
    echo "$url answers, but not from the server this script started (pid $pid): another process listens on port $port:" >&2
    ss -ltnpH "sport = :$port" >&2
    return 1
  }
}
