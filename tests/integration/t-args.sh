#!/usr/bin/env bash
# Typed arguments: every field of every verb in the command table, sent
# malformed in many ways, gets one ERR with the same code and wording
# ("FIELD: what it must be"; a bad code is "no such code"), before any
# handler runs; the connection stays usable and others are served.
. "$(dirname "$0")/lib.sh"

write_conf
ecod_init
check "daemon starts" ecod_start

# Raw Ed25519 keys (the protocol's login, without a key file), enrolled.
for who in ana audi; do
	/usr/bin/python3 -c 'import os,sys; open(sys.argv[1],"wb").write(os.urandom(32))' \
	    "$T/$who.seed"
done
pub() {
	/usr/bin/python3 -c 'import sys,base64,nacl.signing
k=nacl.signing.SigningKey(open(sys.argv[1],"rb").read())
print(base64.b64encode(bytes(k.verify_key)).decode())' "$T/$1.seed"
}
check "a counsellor is enrolled" ctl admin counsellor add ana "$(pub ana)"
check "an auditor is enrolled" ctl admin auditor add audi "$(pub audi)"

/usr/bin/python3 "$ROOT/tests/integration/args.py" "$SOCK" ana audi "$T"
[ $? -eq 0 ] || NFAIL=$((NFAIL + 1))

check "the daemon is still running" kill -0 "$ECOD_PID"
expect_eq "and still answers" "$(ctl ping)" "PONG"
finish
