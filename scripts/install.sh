#!/usr/bin/env bash
# Install what bob needs on a fresh Debian machine (as root) into ./.venv. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
packages=(
  python3 python3-venv python3-pip  # bob itself
  postgresql                        # the tests start their own throwaway PostgreSQL cluster
  # The local sandbox fleet: network-namespace hosts with their own sshd and LXC.
  lxc busybox-static openssh-server openssh-client btrfs-progs rsync iproute2 iputils-ping
  debootstrap
  bind9 bind9-utils                 # the tests (and the sandbox) run their own BIND
  groovy                            # parse-checks bob's Jenkins script templates
  chromium chromium-driver          # the board's browser test drives a real headless Chromium
  nginx-light                       # staging gateway: bob writes its server blocks; tests run their own by PID
  git                               # staging: bob checks a pull request's branch out (tests serve it with git daemon)
  # The real Jenkins controller in ../shared/jenkins (a war served by Debian's Tomcat 10.1).
  openjdk-17-jre-headless libtomcat10-java tomcat10-common curl unzip
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  # Packages like openssh-server would start system daemons; bob runs its own, by PID.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then rm -f "$policy"; fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Quiet, but keep real errors: pip prints them on stderr.
# Within requirements.lock's pins (scripts/lock.sh): every machine runs what CI ran.
.venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]' \
  2> >(grep -v "^WARNING: Location" >&2)
