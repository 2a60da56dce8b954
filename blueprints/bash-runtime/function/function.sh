# The handler: $1 is the event (JSON). What it prints on stdout is the
# response; stderr goes to the function's log.
handler() {
  event="$1"
  echo "bash handler got: $event" >&2
  printf '{"runtime":"bash","event":%s}' "$event"
}
