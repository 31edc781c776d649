#!/usr/bin/env bash
# Fails if oss-sse-core gains an I/O dependency (runtime, HTTP client, sockets) or code that
# reads the clock, the environment or the file system. clippy's disallowed-methods (see
# crates/oss-sse-core/clippy.toml) covers the same ground at the type level.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(cargo tree -p oss-sse-core -e normal --prefix none -f '{p}' --locked \
  | grep -E '^(tokio|hyper|hyper-util|hyper-rustls|reqwest|mio|socket2|rand|getrandom-nope|tracing-subscriber) v' || true)
if [ -n "$bad" ]; then
  echo "core boundary violated: oss-sse-core depends on:"; echo "$bad"; exit 1
fi
src=crates/oss-sse-core/src
pat='SystemTime::now|Instant::now|std::env::|std::fs::|std::net::(Tcp|Udp)|tokio::|rand::|thread_rng|std::process::'
if grep -rnE "$pat" "$src" ; then
  echo "core boundary violated: I/O, clock, env or randomness in $src (lines above)"; exit 1
fi
echo "core boundary ok: no I/O dependencies or clock/env/fs/net/random calls in oss-sse-core"
