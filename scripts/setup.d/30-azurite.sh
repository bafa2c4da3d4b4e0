# Azurite (npm `azurite`, Microsoft's Azure Storage emulator): the Blob service for the object-store
# publisher tests (and, later, the Azure ingestion tests).
# Installs azurite@3.35.0 once into $FINOPS_CACHE (3.36+ need Node >= 21/22), starts azurite-blob on
# 127.0.0.1:10000 (or a free port when 10000 is taken) with in-memory storage, creates the containers
# msexports, ingestion and publish, and exports:
#   AZURITE_BLOB_ENDPOINT            http://127.0.0.1:PORT/devstoreaccount1
#   AZURITE_BLOB_STORAGE_URL         http://127.0.0.1:PORT (what object_store's use_emulator reads)
#   AZURE_STORAGE_CONNECTION_STRING  the standard development-storage connection string for that port
# Sourced by scripts/test (which defines on_exit); can be sourced alone too.
_azurite_version=3.35.0
_azurite_dir="$FINOPS_CACHE/azurite-$_azurite_version"
_azurite_bin="$_azurite_dir/node_modules/.bin/azurite-blob"
# The well-known development account of every Azure Storage emulator (public, not a secret).
_azurite_account=devstoreaccount1
_azurite_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

_azurite_fail() {
  echo "   Azurite unavailable: $1; its tests print SKIPPED"
  [[ "${FINOPS_REQUIRE_ALL:-0}" == "1" ]] && { echo "FINOPS_REQUIRE_ALL=1: stopping" >&2; exit 1; }
  return 0
}

_azurite_setup() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    _azurite_fail "node/npm not found"; return 0
  fi
  if [[ ! -x "$_azurite_bin" ]]; then
    mkdir -p "$_azurite_dir"
    if ! (cd "$_azurite_dir" && npm install --no-audit --no-fund --silent "azurite@$_azurite_version" >install.log 2>&1); then
      _azurite_fail "npm install azurite@$_azurite_version failed (see $_azurite_dir/install.log)"; return 0
    fi
  fi
  local port=10000
  if ! python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null; then
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi
  local log="$FINOPS_CACHE/azurite-$port.log"
  "$_azurite_bin" --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence \
    --skipApiVersionCheck --silent >"$log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  local i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then _azurite_fail "azurite-blob exited (see $log)"; return 0; fi
    sleep 0.1
  done
  # Create the containers with a Shared Key request (Python standard library only).
  if ! python3 - "$port" "$_azurite_account" "$_azurite_key" <<'PY'
import base64, hashlib, hmac, sys, urllib.request
from email.utils import formatdate
port, account, key = sys.argv[1], sys.argv[2], sys.argv[3]
for container in ("msexports", "ingestion", "publish"):
    date = formatdate(usegmt=True)
    version = "2021-08-06"
    headers = f"x-ms-date:{date}\nx-ms-version:{version}\n"
    resource = f"/{account}/{account}/{container}\nrestype:container"
    to_sign = "PUT\n\n\n\n\n\n\n\n\n\n\n\n" + headers + resource
    sig = base64.b64encode(hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()).decode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/{account}/{container}?restype=container", method="PUT",
        headers={"x-ms-date": date, "x-ms-version": version, "Authorization": f"SharedKey {account}:{sig}",
                 "Content-Length": "0"})
    try:
        urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        if e.code != 409:  # 409: already exists
            raise SystemExit(f"create container {container}: HTTP {e.code} {e.read()[:300]!r}")
PY
  then
    _azurite_fail "creating the containers failed"; return 0
  fi
  export AZURITE_BLOB_STORAGE_URL="http://127.0.0.1:$port"
  export AZURITE_BLOB_ENDPOINT="http://127.0.0.1:$port/$_azurite_account"
  export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$_azurite_account;AccountKey=$_azurite_key;BlobEndpoint=$AZURITE_BLOB_ENDPOINT;"
  echo "   Azurite ready on $AZURITE_BLOB_ENDPOINT (containers msexports, ingestion, publish)"
}
_azurite_setup
