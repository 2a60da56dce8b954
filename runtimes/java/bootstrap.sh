#!/bin/sh
# Kumo's java17 runtime entry (/var/runtime/java/bootstrap.sh in the EE): starts
# the JVM with the flags AWS's java17 runtime sets, then Kumo's runtime class.
#
# AWS (the java17 command line as its EEs show it): -XX:MaxHeapSize of 85 % of
# the function's memory, -XX:+UseSerialGC, class data sharing, tiered
# compilation stopped at level 1 (C1 only: faster start), java.io opened to
# the function's code, JVM crash reports on stderr, IPv4 first. Kumo uses
# -Xshare:auto (AWS: -Xshare:on with its own archive; Debian's JDK ships the
# default CDS archive, and :auto starts without one rather than failing).
# AWS's Log4Shell hot-patch agent and CRaC switches are not reproduced.
# JAVA_TOOL_OPTIONS, the function's own flags, is read by the JVM itself after
# these, so it overrides them, as on AWS.
set -eu
mem=${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-128}
case $mem in ''|*[!0-9]*) mem=128 ;; esac
heap_kb=$(( (mem * 1024 * 85 + 99) / 100 ))
# Beside this script: /var/runtime/java in an EE (the runtime tests run it from the repository).
jar="$(dirname "$0")/build/kumo-java-runtime.jar"
if [ ! -r "$jar" ]; then
  echo "Kumo's Java runtime is not built ($jar is missing): run make build on the Kumo host" >&2
  exit 1
fi
exec "$JAVA_HOME/bin/java" \
  -XX:MaxHeapSize=${heap_kb}k \
  -XX:+UseSerialGC \
  -Xshare:auto \
  -XX:+TieredCompilation -XX:TieredStopAtLevel=1 \
  --add-opens=java.base/java.io=ALL-UNNAMED \
  -XX:+ErrorFileToStderr \
  -Djava.net.preferIPv4Stack=true \
  -classpath "$jar" \
  kumo.lambda.runtime.Main
