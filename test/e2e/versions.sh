#!/usr/bin/env bash
# End-to-end with the real aws CLI: publish v1 and v2, alias `live` → v1 with
# 50% to v2 (the 2,000-invoke 10% split is checked with the SDK in
# test/integration/versions.test.ts; CLI calls cost ~0.5 s each), two layers
# whose files overlap with the later one winning in /opt.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/tools.sh   # $AWS (Debian's aws CLI v2) and $ZIP, as make deps installs them
source test/e2e/lib.sh
e2e_start v
L() { "$AWS" lambda --endpoint-url "http://127.0.0.1:$port" "$@"; }
binfmt=""; "$AWS" --version 2>&1 | grep -q '^aws-cli/2' && binfmt="--cli-binary-format raw-in-base64-out"

mkdir -p "$work/l1/nodejs" "$work/l2" "$work/fn"
echo one > "$work/l1/shared.txt"; echo base > "$work/l1/base.txt"; echo two > "$work/l2/shared.txt"
(cd "$work/l1" && "$ZIP" -qr ../l1.zip .); (cd "$work/l2" && "$ZIP" -qr ../l2.zip .)
a1=$(L publish-layer-version --layer-name first --zip-file "fileb://$work/l1.zip" --compatible-runtimes nodejs20.x --query LayerVersionArn --output text)
a2=$(L publish-layer-version --layer-name second --zip-file "fileb://$work/l2.zip" --query LayerVersionArn --output text)
check "publish two layers" test -n "$a1" -a -n "$a2"

cat > "$work/fn/index.js" <<'JS'
const fs = require('fs');
exports.handler = async () => ({ v: process.env.VER, shared: fs.readFileSync('/opt/shared.txt', 'utf8').trim(), base: fs.readFileSync('/opt/base.txt', 'utf8').trim() });
JS
(cd "$work/fn" && "$ZIP" -q ../fn.zip index.js)
L create-function --function-name canary --runtime nodejs20.x --handler index.handler --role arn:aws:iam::000000000000:role/lambda-role \
  --zip-file "fileb://$work/fn.zip" --layers "$a1" "$a2" --environment 'Variables={VER=one}' >/dev/null
L wait function-active-v2 --function-name canary
check "publish v1" test "$(L publish-version --function-name canary --query Version --output text)" = "1"
L update-function-configuration --function-name canary --environment 'Variables={VER=two}' >/dev/null
L wait function-updated-v2 --function-name canary
check "publish v2" test "$(L publish-version --function-name canary --query Version --output text)" = "2"
check "create alias live → 1, 50% to 2" L create-alias --function-name canary --name live --function-version 1 \
  --routing-config '{"AdditionalVersionWeights":{"2":0.5}}' --query AliasArn --output text

L invoke --function-name canary --qualifier 1 $binfmt --payload '{}' "$work/o1.json" >/dev/null
check "later layer wins in /opt, earlier layer's other files stay" grep -q '"shared":"two","base":"base"' "$work/o1.json"
v1=0; v2=0
for i in $(seq 1 30); do
  ver=$(L invoke --function-name canary --qualifier live $binfmt --payload '{}' --query ExecutedVersion --output text "$work/o.json")
  body=$(cat "$work/o.json")
  case "$ver" in 1) v1=$((v1+1)); [[ $body == *'"v":"one"'* ]] || failed=$((failed+1));; 2) v2=$((v2+1)); [[ $body == *'"v":"two"'* ]] || failed=$((failed+1));; esac
done
echo "# live: v1=$v1 v2=$v2 of 30"
# 30 draws at 50%: both versions appear unless p < 2^-29.
check "alias traffic reaches both versions, ExecutedVersion matches the code" test "$v1" -gt 0 -a "$v2" -gt 0 -a $((v1+v2)) -eq 30
del_out=$(L delete-function --function-name canary --qualifier 2 2>&1)
check "deleting a version an alias uses fails with ResourceConflictException" grep -q ResourceConflictException <<<"$del_out"
check "list-versions-by-function" test "$(L list-versions-by-function --function-name canary --query 'length(Versions)' --output text)" = "3"

e2e_finish e2e-versions
