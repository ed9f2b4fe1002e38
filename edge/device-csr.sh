#!/bin/sh
# Creates, ON THE DEVICE, the private key and the certificate signing request (CSR) of an
# AWS IoT thing. The private key never leaves the device: only the CSR is copied off it and
# registered (a static device's `csr` in the stack config, or fleet provisioning with the
# Greengrass plugin's `csrPath`). AWS IoT signs the CSR; the key never enters Pulumi state.
#
# The thing name is checked with the same rule as components/edge-fleet/names.ts
# (validateThingName): 1 to 128 characters of [a-zA-Z0-9:_-]. As it becomes the CSR's common
# name, it must also fit X.509's 64-character limit for a CN.
set -eu
LC_ALL=C
export LC_ALL

prog=device-csr.sh

usage() {
  cat <<USAGE
Usage: $prog [-k ec|rsa] [-o DIR] THING_NAME

Creates DIR/THING_NAME.key.pem (private key, mode 600, stays on this device) and
DIR/THING_NAME.csr.pem (certificate signing request with CN=THING_NAME).

  -k ec|rsa  key type: ec = ECDSA P-256 (default), rsa = RSA 2048
  -o DIR     output directory (default: current directory; created with mode 700)
  -h         show this help

THING_NAME: 1 to 128 characters of letters, digits, ':', '_' and '-' (AWS IoT thing name rule),
and at most 64 characters, the X.509 limit of the common name it becomes.
An existing private key is never overwritten.
USAGE
}

die() {
  echo "$prog: error: $*" >&2
  exit 1
}

key_type=ec
out_dir=.
while getopts 'k:o:h' opt; do
  case $opt in
    k) key_type=$OPTARG ;;
    o) out_dir=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -ne 1 ]; then
  usage >&2
  exit 2
fi
thing_name=$1

length=${#thing_name}
if [ "$length" -lt 1 ] || [ "$length" -gt 128 ]; then
  die "thing name must be 1 to 128 characters long (AWS IoT limit), got $length"
fi
case $thing_name in
  *[!A-Za-z0-9:_-]*)
    die "thing name \"$thing_name\" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)" ;;
esac

# The CSR's common name is the thing name, and X.509 limits a common name to 64 characters.
if [ "$length" -gt 64 ]; then
  die "thing name is $length characters long, but the certificate common name (CN) is limited to 64 characters (X.509 ub-common-name)"
fi

case $key_type in
  ec) key_opts="-algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve" ;;
  rsa) key_opts="-algorithm RSA -pkeyopt rsa_keygen_bits:2048" ;;
  *) die "key type \"$key_type\" must be ec or rsa" ;;
esac

command -v openssl >/dev/null 2>&1 || die "openssl is not installed"

umask 077
mkdir -p "$out_dir" || die "cannot create output directory $out_dir"
key_file=$out_dir/$thing_name.key.pem
csr_file=$out_dir/$thing_name.csr.pem
if [ -e "$key_file" ]; then
  die "$key_file already exists; refusing to overwrite a private key"
fi

# Remove half-written files if anything below fails.
done_ok=0
cleanup() {
  if [ "$done_ok" -ne 1 ]; then
    rm -f "$key_file" "$csr_file"
  fi
}
trap cleanup EXIT

# shellcheck disable=SC2086 # key_opts is a list of options
openssl genpkey $key_opts -out "$key_file" 2>/dev/null || die "openssl could not create the private key"
chmod 600 "$key_file"
openssl req -new -sha256 -key "$key_file" -subj "/CN=$thing_name" -out "$csr_file" 2>/dev/null ||
  die "openssl could not create the certificate signing request"
openssl req -in "$csr_file" -noout -verify 2>/dev/null || die "the certificate signing request does not verify"
done_ok=1

echo "private key: $key_file (keep it on this device)"
echo "CSR:         $csr_file (register this file; it holds no secret)"
