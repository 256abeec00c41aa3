# Sourced by scripts/edge-worker.sh and scripts/node-service.sh with the example's name,
# its server's name and a port: sets everything up, builds the CLI and the npm package,
# installs the package into the example, signs the acme policy into
# $example/.data/acme.snapshot with a key kept in $example/.data, sets $keys to the JSON
# key set trusting it, and prints requests to try.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
example=examples/$1
port=$3
bash scripts/setup.sh
cargo build --release --quiet --bin rolegate
node pkg-config/build.mjs > /dev/null
(cd "$example" && npm install --no-audit --no-fund --loglevel=error > /dev/null)
mkdir -p "$example/.data"
[ -f "$example/.data/signing-key.json" ] || ./target/release/rolegate keygen --key-id demo --out "$example/.data/signing-key.json" > /dev/null
./target/release/rolegate build examples/policies/acme.json --key "$example/.data/signing-key.json" --ttl 1d --out "$example/.data/acme.snapshot" > /dev/null
public=$(./target/release/rolegate public-key "$example/.data/signing-key.json")
keys="{\"${public%%=*}\":\"${public#*=}\"}"
cat <<MSG
The acme API, guarded by $2, on http://127.0.0.1:$port. Try:
  curl -i http://127.0.0.1:$port/roles -H 'x-rolegate-subject: alice'               # 200: owner
  curl -i -X POST http://127.0.0.1:$port/roles -H 'x-rolegate-subject: frank'       # 403: analyst
  curl -i -X POST http://127.0.0.1:$port/environments/internal-dev/renders -H 'authorization: Bearer rg_live_ci_0001'  # 200
  curl -i http://127.0.0.1:$port/api-keys -H 'authorization: Bearer rg_live_old_0002'  # 401: revoked key
MSG
