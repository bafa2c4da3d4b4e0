# A real SMTP server on loopback for the e-mail notifier tests: aiosmtpd 1.4.6 (PyPI) in a venv under
# $FINOPS_CACHE, one process serving two ports:
#   FINOPS_SMTP_PORT        STARTTLS required, then AUTH PLAIN/LOGIN required (user/password below);
#                           certificate issued at every setup by a throw-away CA (FINOPS_SMTP_CA_CERT)
#   FINOPS_SMTP_PLAIN_PORT  plain SMTP, no TLS, no AUTH (`starttls = false` configurations)
# Every message received is appended as one JSON line {"port","mail_from","rcpt_tos","tls","login",
# "subject","to","text","html","data"} to FINOPS_SMTP_MAILBOX, which the tests read (subject and bodies
# decoded by Python's email package, an independent MIME reader). Also exported: FINOPS_SMTP_HOST,
# FINOPS_SMTP_USER, FINOPS_SMTP_PASSWORD (test-only values), FINOPS_SMTP_PYTHON and
# FINOPS_SMTP_SERVER (the venv's python and the server script, to start another server by hand).
# The certificate is made per run, not cached: under faketime its validity follows the fake clock.
_smtp_venv="$FINOPS_CACHE/aiosmtpd-1.4.6"

_smtp_fail() {
  echo "   SMTP server unavailable: $1; the SMTP tests print SKIPPED"
  [[ "${FINOPS_REQUIRE_ALL:-0}" == "1" ]] && { echo "FINOPS_REQUIRE_ALL=1: stopping" >&2; exit 1; }
  return 0
}

_smtp_setup() {
  if ! "$_smtp_venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    rm -rf "$_smtp_venv"
    if ! { python3 -m venv "$_smtp_venv" >/dev/null 2>&1 \
        && "$_smtp_venv/bin/python" -m pip install -q --disable-pip-version-check aiosmtpd==1.4.6 >/dev/null 2>&1; }; then
      _smtp_fail "pip install aiosmtpd==1.4.6 failed"; return 0
    fi
  fi
  command -v openssl >/dev/null 2>&1 || { _smtp_fail "openssl not found"; return 0; }
  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/finops-smtp.XXXXXX")"
  on_exit "rm -rf '$dir'"
  # A CA, and a server certificate for localhost / 127.0.0.1 signed by it (rustls refuses a CA
  # certificate used as the server's own).
  if ! {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 36500 \
      -subj "/CN=finops-rs test CA" &&
    openssl req -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/server.csr" -subj "/CN=localhost" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$dir/ext.cnf" &&
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
      -out "$dir/cert.pem" -days 36500 -extfile "$dir/ext.cnf"
  } >"$dir/openssl.log" 2>&1; then
    _smtp_fail "certificate generation failed (see $dir/openssl.log)"; return 0
  fi
  cat >"$_smtp_venv/finops_smtp_server.py" <<'PY'
"""Loopback SMTP server for finops-rs tests: STARTTLS+AUTH port and plain port; JSON-lines mailbox."""
import email, email.policy, json, signal, ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

tls_port, plain_port, cert, key, mailbox, user, password = sys.argv[1:8]
lock = threading.Lock()

class Sink:
    def __init__(self, port):
        self.port = port
    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        def body(kind):
            part = msg.get_body((kind,))
            return part.get_content() if part is not None else None
        line = json.dumps({
            "port": self.port, "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None, "login": login,
            "subject": str(msg["subject"]), "to": str(msg["to"]), "date": str(msg["date"]),
            "text": body("plain"), "html": body("html"),
            "data": envelope.content.decode("utf-8", errors="replace"),
        })
        with lock, open(mailbox, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        return "250 Message accepted for delivery"

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
        and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False, auth_data=auth_data)

ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
servers = [
    Controller(Sink(int(tls_port)), hostname="127.0.0.1", port=int(tls_port), tls_context=ctx,
               require_starttls=True, authenticator=authenticate, auth_required=True,
               auth_require_tls=True),
    Controller(Sink(int(plain_port)), hostname="127.0.0.1", port=int(plain_port)),
]
for s in servers:
    s.start()
print("ready", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
for s in servers:
    s.stop()
PY
  local ports tls_port plain_port
  ports="$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"
  read -r tls_port plain_port <<<"$ports"
  local mailbox="$dir/mailbox.jsonl" user=finops password=finops-smtp-test-password
  : >"$mailbox"
  "$_smtp_venv/bin/python" "$_smtp_venv/finops_smtp_server.py" "$tls_port" "$plain_port" \
    "$dir/cert.pem" "$dir/key.pem" "$mailbox" "$user" "$password" >"$dir/server.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid"
  local i
  for i in $(seq 1 100); do
    grep -q ready "$dir/server.log" 2>/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then _smtp_fail "aiosmtpd exited (see $dir/server.log)"; return 0; fi
    sleep 0.1
  done
  grep -q ready "$dir/server.log" || { _smtp_fail "aiosmtpd did not start (see $dir/server.log)"; return 0; }
  export FINOPS_SMTP_HOST=127.0.0.1 FINOPS_SMTP_PORT="$tls_port" FINOPS_SMTP_PLAIN_PORT="$plain_port"
  export FINOPS_SMTP_USER="$user" FINOPS_SMTP_PASSWORD="$password" FINOPS_SMTP_CA_CERT="$dir/ca.pem"
  export FINOPS_SMTP_MAILBOX="$mailbox" FINOPS_SMTP_PYTHON="$_smtp_venv/bin/python"
  export FINOPS_SMTP_SERVER="$_smtp_venv/finops_smtp_server.py"
  echo "   SMTP server ready on 127.0.0.1:$tls_port (STARTTLS + AUTH) and :$plain_port (plain)"
}
_smtp_setup
