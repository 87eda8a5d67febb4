#!/usr/bin/env bash
# TextBack installer for Raspberry Pi OS (Bookworm or newer) and Debian.
# Safe to run again: that is how you update (git pull && sudo ./install.sh).
# Tests source this file with SKIP_INSTALL=true and call the functions one by one.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DESTDIR="${DESTDIR:-}"
SERVICE_USER=textback
PREFIX=/opt/textback
CONFIG_FILE=/etc/textback/config.toml
DATA_DIR=/var/lib/textback
UNIT_FILE=/etc/systemd/system/textback.service
REBIND_UNITS=(textback-usb-rebind.path textback-usb-rebind.service)
MDNS_UNIT=textback-mdns.service
AVAHI_FILE=/etc/avahi/services/textback.service
RULES_FILE=/etc/udev/rules.d/99-textback-modem.rules
COMMAND_LINK=/usr/local/bin/textback
# usb-modeswitch turns Huawei and other sticks from "CD-ROM" mode into a modem; avahi makes
# textback.local findable on the shop's network; the operator list suggests the country from the SIM.
APT_PACKAGES=(python3 python3-venv python3-pip sqlite3 usb-modeswitch avahi-daemon avahi-utils
  mobile-broadband-provider-info)
# Debian's own Python (what apt installs), not whatever python3 comes first on root's PATH:
# the service user must be able to run it, and a pyenv/conda Python under /root is off limits.
PYTHON="${TEXTBACK_PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}"
ACTION=install
PURGE=false
USB_SERIAL="${TEXTBACK_USB_SERIAL:-false}"
SERVICE_STARTED=false
SETUP_LINES=""
SHOP_NAME="${TEXTBACK_NAME:-}"
PASSWORD="${TEXTBACK_PASSWORD:-}"
TEMP_PATHS=()

usage() {
  cat <<EOF
Usage: sudo ./install.sh [--usb-serial]    install or update TextBack (safe to re-run)
       sudo ./install.sh --uninstall [--purge]
       DESTDIR=/some/dir ./install.sh      lay the files out under /some/dir only
  --usb-serial  also take a SIM800 on a USB-serial adapter (CH340, CP210x, FTDI, PL2303) as
                /dev/textback-modem; only if no other such adapter is plugged in
  --uninstall   remove the program, service and udev rules; keep $CONFIG_FILE and $DATA_DIR
  --purge       with --uninstall: also delete the config, the data and the textback user
Asks nothing: the shop's set-up happens on a phone, with the setup code printed at the end.
Environment: TEXTBACK_NAME (the shop's name) and TEXTBACK_PASSWORD (the web password; then no
setup code) for unattended installs.
DESTDIR touches nothing outside it (no apt, users, systemctl, udevadm); its venv runs in place.
TEXTBACK_PYTHON, TEXTBACK_VENV_ARGS, TEXTBACK_PIP_ARGS adjust how the venv is built.
EOF
}

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
in_destdir() { [[ -n "$DESTDIR" ]]; }
have_systemd() { [[ -d /run/systemd/system ]]; }

on_error() { printf 'install.sh: error: line %s failed: %s\nFix the problem shown above, then run ./install.sh again (safe to re-run).\n' "$1" "$2" >&2; }

cleanup() { if ((${#TEMP_PATHS[@]})); then rm -rf "${TEMP_PATHS[@]}"; fi; }

parse_args() {
  while (($#)); do
    case "$1" in
      --uninstall) ACTION=uninstall ;;
      --purge) PURGE=true ;;
      --usb-serial) USB_SERIAL=true ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
  done
  [[ "$PURGE" != true || "$ACTION" == uninstall ]] || die "--purge only goes with --uninstall"
  if in_destdir; then DESTDIR="$(realpath -m "$DESTDIR")"; fi
}

require_root() {
  in_destdir || ((EUID == 0)) || die "this changes the system (packages, a user, a service): run it as root, e.g. sudo ./install.sh"
}

install_packages() {
  if in_destdir; then return; fi
  if ! command -v apt-get >/dev/null; then
    warn "no apt-get: install ${APT_PACKAGES[*]} (Python 3.11+) with your package manager"; return
  fi
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]]; then missing+=("$pkg"); fi
  done
  if ((${#missing[@]} == 0)); then return; fi
  say "Installing system packages: ${missing[*]}"
  # A fresh Pi may be busy with its own updates: wait for the package lock instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed: check the network (ping deb.debian.org) and the clock (date)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get could not install ${missing[*]}; run 'sudo apt-get install ${missing[*]}' to see why"
}

check_python() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "TextBack needs Python 3.11 or newer, found: $("$PYTHON" --version 2>&1 || echo none). Use Raspberry Pi OS Bookworm or newer."
}

create_user() {
  if in_destdir; then return; fi
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "User $SERVICE_USER exists; making sure it is in the dialout group (serial ports)"
    usermod -a -G dialout "$SERVICE_USER" || die "could not add $SERVICE_USER to dialout (usermod)"
  else
    say "Creating system user $SERVICE_USER (no login, no home; in dialout for the modem)"
    useradd --system --user-group --groups dialout --home-dir "$DATA_DIR" --no-create-home \
      --shell /usr/sbin/nologin --comment "TextBack service" "$SERVICE_USER" \
      || die "useradd failed: check /etc/passwd is writable and that no group '$SERVICE_USER' conflicts"
  fi
}

make_folders() {
  say "Creating folders under ${DESTDIR:-/}: $PREFIX, ${CONFIG_FILE%/*}, $DATA_DIR"
  install -d -m 0755 "$DESTDIR$PREFIX/bin" "$DESTDIR${CONFIG_FILE%/*}" "$DESTDIR${UNIT_FILE%/*}" "$DESTDIR${RULES_FILE%/*}"
  install -d -m 0750 "$DESTDIR$DATA_DIR"
  # The data folder holds every message: readable by the service only. A DESTDIR tree keeps the
  # running user as owner (the textback user may not exist there).
  if ! in_destdir; then chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"; chmod 0750 "$DATA_DIR"; fi
}

install_program() {
  local venv="$DESTDIR$PREFIX/venv" src venv_args=() pip_args=()
  read -r -a venv_args <<<"${TEXTBACK_VENV_ARGS:-}"
  read -r -a pip_args <<<"${TEXTBACK_PIP_ARGS:-}"
  # A missing venv is created; one whose Python vanished (an OS upgrade) is rebuilt, not patched.
  if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    rm -rf "$venv"; say "Creating the Python environment $PREFIX/venv"
    "$PYTHON" -m venv "${venv_args[@]}" "$venv" || die "could not create a venv: install python3-venv (sudo apt-get install python3-venv)"
  fi
  # Build from a clean copy: setuptools reuses a build/ folder and would package files deleted
  # since, and root-owned build files would be left in the clone.
  src="$(mktemp -d)"; TEMP_PATHS+=("$src")
  tar -C "$REPO_DIR" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' \
    --exclude=__pycache__ --exclude=./tests -cf - . | tar -C "$src" -xf -
  say "Installing TextBack and its Python packages into the venv (a few minutes on a Pi)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_args[@]}" "$src" \
    || die "pip could not install TextBack: check the network (ping pypi.org), then run ./install.sh again"
  # Relative link: valid both in place and inside a DESTDIR tree. A symlink, not a wrapper
  # script, so the service's main process is Python itself (systemd's NotifyAccess=main).
  ln -sfn ../venv/bin/textback "$DESTDIR$PREFIX/bin/textback"
  if [[ ! -e "$DESTDIR$COMMAND_LINK" || -L "$DESTDIR$COMMAND_LINK" ]]; then
    install -d "$DESTDIR${COMMAND_LINK%/*}"; ln -sfn "$PREFIX/bin/textback" "$DESTDIR$COMMAND_LINK"
  fi
  install -d -m 0755 "$DESTDIR$PREFIX/docs"  # offline docs, linked from the unit file
  if compgen -G "$REPO_DIR/docs/*.md" >/dev/null; then install -m 0644 "$REPO_DIR"/docs/*.md "$DESTDIR$PREFIX/docs/"; fi
}

# set_toml_key FILE SECTION KEY VALUE: write KEY = "VALUE" into [SECTION] of a simple TOML file:
# replace the key's line if the section has one, else add it under the header, else append the
# section. VALUE must already be TOML-escaped; it goes through ENVIRON so awk keeps backslashes.
set_toml_key() {
  TB_SECTION="$2" TB_KEY="$3" TB_VALUE="$4" awk '
    function header(line) {
      if (line !~ /^[ \t]*\[[^]]*\][ \t]*(#.*)?$/) return ""
      sub(/^[ \t]*\[[ \t]*/, "", line); sub(/[ \t]*\].*$/, "", line); return line
    }
    function is_key(line) { return line ~ ("^[ \t]*" ENVIRON["TB_KEY"] "[ \t]*=") }
    BEGIN { section = ENVIRON["TB_SECTION"]; entry = ENVIRON["TB_KEY"] " = \"" ENVIRON["TB_VALUE"] "\"" }
    NR == FNR { h = header($0); if (h != "") cur = h; else if (cur == section && is_key($0)) found = 1; next }
    FNR == 1 { cur = "" }
    { h = header($0) }
    h != "" { cur = h; print; if (cur == section) { seen = 1; if (!found) print entry }; next }
    cur == section && is_key($0) { if (!done) print entry; done = 1; next }
    { print }
    END { if (!seen) printf "\n[%s]\n%s\n", section, entry }
  ' "$1" "$1" >"$1.new" && mv "$1.new" "$1"
}

toml_string() { local s="${1//\\/\\\\}"; printf '%s' "${s//\"/\\\"}"; }

install_config() {
  local target="$DESTDIR$CONFIG_FILE" tmp
  if [[ -e "$target" ]]; then
    say "Keeping your config $CONFIG_FILE (never overwritten; compare with $REPO_DIR/config.toml for new keys)"
    return
  fi
  [[ -f "$REPO_DIR/config.toml" ]] || die "$REPO_DIR/config.toml is missing: is this a complete TextBack checkout? (git status)"
  say "Writing $CONFIG_FILE from the example config"
  tmp="$(mktemp "$target.XXXXXX")"; TEMP_PATHS+=("$tmp")
  cp "$REPO_DIR/config.toml" "$tmp"
  set_toml_key "$tmp" storage database "$DATA_DIR/textback.db"
  if [[ -n "$SHOP_NAME" ]]; then
    [[ "$SHOP_NAME" != *[[:cntrl:]]* ]] || die "the shop name must be plain text on one line"
    set_toml_key "$tmp" business name "$(toml_string "$SHOP_NAME")"
  fi
  # The config may hold the SIM PIN: readable by root and the service only.
  chmod 0640 "$tmp"
  if ! in_destdir; then chgrp "$SERVICE_USER" "$tmp"; fi
  mv "$tmp" "$target"
  note "The shop's name, country, hours and texts are set on a phone afterwards (setup code below)"
}

install_unit() {
  say "Installing the service $UNIT_FILE"
  install -m 0644 "$REPO_DIR/systemd/textback.service" "$DESTDIR$UNIT_FILE"
  # The last recovery step for a modem gone for good: the agent asks, a root helper re-binds USB.
  local unit
  for unit in "${REBIND_UNITS[@]}"; do install -m 0644 "$REPO_DIR/systemd/$unit" "$DESTDIR${UNIT_FILE%/*}/$unit"; done
  install -d -m 0755 "$DESTDIR$PREFIX/bin"
  install -m 0755 "$REPO_DIR/systemd/usb-rebind" "$DESTDIR$PREFIX/bin/usb-rebind"
  install -m 0644 "$REPO_DIR/systemd/$MDNS_UNIT" "$DESTDIR${UNIT_FILE%/*}/$MDNS_UNIT"
  install -m 0755 "$REPO_DIR/systemd/mdns-alias" "$DESTDIR$PREFIX/bin/mdns-alias"
}

web_port() {
  "$DESTDIR$PREFIX/venv/bin/python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb")).get("web", {}).get("port", 8080))' "$DESTDIR$CONFIG_FILE" 2>/dev/null || echo 8080
}

install_mdns() {
  # The web UI announced on the network (DNS-SD), with the port from the config.
  say "Announcing the web page on the network (mDNS): $AVAHI_FILE"
  install -d -m 0755 "$DESTDIR${AVAHI_FILE%/*}"
  sed "s/__PORT__/$(web_port)/g" "$REPO_DIR/avahi/textback.service" >"$DESTDIR$AVAHI_FILE.new"
  chmod 0644 "$DESTDIR$AVAHI_FILE.new"; mv "$DESTDIR$AVAHI_FILE.new" "$DESTDIR$AVAHI_FILE"
}

as_service_user() {
  # Run the installed textback command as the service user, so what it writes is the service's.
  runuser -u "$SERVICE_USER" -- "$PREFIX/bin/textback" "$@"
}

make_certificate() {
  if in_destdir; then note "DESTDIR: the HTTPS certificate is made when the service first starts"; return; fi
  say "Making (or renewing) the box's HTTPS certificate"
  as_service_user certificate --config "$CONFIG_FILE" | sed 's/^/    /' \
    || warn "no certificate yet; the service makes one at start (journalctl -u textback)"
}

make_setup_code() {
  # While no web password is set, a one-time code lets the owner choose it on a phone.
  if in_destdir; then note "DESTDIR: the setup code is made when the service first starts (textback setup-code)"; return; fi
  SETUP_LINES="$(as_service_user setup-code --config "$CONFIG_FILE" 2>/dev/null)" \
    || warn "could not make the setup code; later: sudo textback setup-code --config $CONFIG_FILE"
}

install_udev_rules() {
  say "Installing the modem rules $RULES_FILE (stable /dev/textback-modem, ModemManager kept off)"
  if [[ "$USB_SERIAL" == true ]]; then
    note "USB-serial adapters (CH340, CP210x, FTDI, PL2303) will also be taken as the modem"
    sed 's/^#usb-serial# //' "$REPO_DIR/udev/99-textback-modem.rules" >"$DESTDIR$RULES_FILE.new"
    chmod 0644 "$DESTDIR$RULES_FILE.new"; mv "$DESTDIR$RULES_FILE.new" "$DESTDIR$RULES_FILE"
  else
    install -m 0644 "$REPO_DIR/udev/99-textback-modem.rules" "$DESTDIR$RULES_FILE"
  fi
}

set_password() {
  local later="sudo -u $SERVICE_USER $PREFIX/bin/textback passwd --config $CONFIG_FILE"
  if [[ -z "$PASSWORD" ]]; then return; fi
  if in_destdir; then note "DESTDIR: password not set (it lives in the database). Later: $later"; return; fi
  say "Setting the web password"
  # As the service user, so the database it creates belongs to the service.
  if ! printf '%s\n' "$PASSWORD" | runuser -u "$SERVICE_USER" -- "$PREFIX/bin/textback" passwd --config "$CONFIG_FILE"; then
    warn "the password was not set; set it later with: $later"
  fi
}

check_config() {
  if in_destdir; then return; fi
  say "Checking $CONFIG_FILE"
  runuser -u "$SERVICE_USER" -- "$PREFIX/bin/textback" check-config --config "$CONFIG_FILE" \
    || die "the config has a mistake (named above): fix it with sudo nano $CONFIG_FILE, then run ./install.sh again"
}

start_service() {
  if in_destdir; then return; fi
  if command -v udevadm >/dev/null; then
    say "Reloading udev rules"
    udevadm control --reload || warn "udevadm control --reload failed; replug the modem or reboot"
    udevadm trigger --action=change --subsystem-match=tty --subsystem-match=usb || warn "udevadm trigger failed; replug the modem"
  fi
  if ! have_systemd; then warn "systemd is not running here: start TextBack yourself with $PREFIX/bin/textback run --config $CONFIG_FILE"; return; fi
  # ModemManager reads the ignore flag when it finds a modem: make it look again.
  systemctl try-restart ModemManager.service 2>/dev/null || true
  say "Enabling and (re)starting the textback service"
  systemctl daemon-reload
  systemctl enable --quiet textback.service || die "systemctl enable failed: see systemctl status textback"
  systemctl enable --quiet --now textback-usb-rebind.path || warn "the USB re-bind helper could not be enabled (systemctl status textback-usb-rebind.path)"
  systemctl try-reload-or-restart avahi-daemon.service 2>/dev/null || true
  if [[ "$(hostname -s 2>/dev/null)" != textback ]]; then
    if ! { systemctl enable --quiet "$MDNS_UNIT" && systemctl restart "$MDNS_UNIT"; }; then
      warn "textback.local could not be published (systemctl status $MDNS_UNIT); use the box's address"
    fi
  fi
  # restart rather than start, so an update takes effect; it waits for the program's READY=1.
  systemctl restart textback.service \
    || die "the service did not start: see journalctl -u textback -n 50 --no-pager (fix, then run ./install.sh again)"
  SERVICE_STARTED=true
}

print_summary() {
  if in_destdir; then say "Done: files laid out under $DESTDIR"; return; fi
  local port address
  port="$(web_port)"
  address="$(hostname -I 2>/dev/null | awk '{print $1}')"
  if [[ -z "$address" ]]; then address="<the box's IP address>"; fi
  if [[ "$SERVICE_STARTED" == true ]]; then say "TextBack is installed and running."; else say "TextBack is installed (not started)."; fi
  note "Web page:   http://textback.local:$port  (or http://$address:$port)"
  if [[ -n "$SETUP_LINES" ]]; then
    say "Now take your phone, open the web page and type the setup code:"
    printf '%s\n' "$SETUP_LINES" | sed 's/^/    /'
    note "The browser warns once about the box's own certificate: its fingerprint is the one above."
  fi
  note "Status:     systemctl status textback     Logs: journalctl -u textback -f"
  note "Check-up:   textback doctor --config $CONFIG_FILE"
  if [[ -e /dev/textback-modem ]]; then note "Modem port: /dev/textback-modem -> $(readlink -f /dev/textback-modem)"
  else note "Modem port: /dev/textback-modem not found yet: plug the modem in (docs/install.md, section 10)"; fi
}

uninstall() {
  say "Removing TextBack${DESTDIR:+ from $DESTDIR}"
  if ! in_destdir && have_systemd; then systemctl disable --now textback.service 2>/dev/null || true; fi
  if ! in_destdir && have_systemd; then systemctl disable --now textback-usb-rebind.path 2>/dev/null || true; fi
  if ! in_destdir && have_systemd; then systemctl disable --now "$MDNS_UNIT" 2>/dev/null || true; fi
  rm -f "$DESTDIR$UNIT_FILE" "$DESTDIR$RULES_FILE" "$DESTDIR${UNIT_FILE%/*}/$MDNS_UNIT" "$DESTDIR$AVAHI_FILE"
  local unit
  for unit in "${REBIND_UNITS[@]}"; do rm -f "$DESTDIR${UNIT_FILE%/*}/$unit"; done
  rm -rf "$DESTDIR$PREFIX"
  if [[ -L "$DESTDIR$COMMAND_LINK" && "$(readlink "$DESTDIR$COMMAND_LINK")" == "$PREFIX/bin/textback" ]]; then rm -f "$DESTDIR$COMMAND_LINK"; fi
  if ! in_destdir; then
    if have_systemd; then systemctl daemon-reload; fi
    if command -v udevadm >/dev/null; then udevadm control --reload 2>/dev/null || true; fi
  fi
  if [[ "$PURGE" == true ]]; then
    say "Purging the config ${CONFIG_FILE%/*} and the data $DATA_DIR (all messages)"
    rm -rf "$DESTDIR${CONFIG_FILE%/*}" "$DESTDIR$DATA_DIR"
    if ! in_destdir && id -u "$SERVICE_USER" >/dev/null 2>&1; then userdel "$SERVICE_USER" || warn "userdel $SERVICE_USER failed"; fi
  else
    note "Kept ${CONFIG_FILE%/*} and $DATA_DIR; reinstall with ./install.sh, or delete them with --uninstall --purge"
  fi
}

main() {
  parse_args "$@"
  umask 022  # the service user must be able to read the program, whatever root's umask is
  set -o errtrace
  trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR
  trap cleanup EXIT
  if in_destdir; then say "DESTDIR=$DESTDIR: files go there only; the running system is not touched"; fi
  require_root
  if [[ "$ACTION" == uninstall ]]; then uninstall; return; fi
  install_packages
  check_python
  create_user
  make_folders
  install_program
  install_config
  install_unit
  install_udev_rules
  install_mdns
  check_config
  set_password
  make_certificate
  make_setup_code
  start_service
  print_summary
}

if [[ "${SKIP_INSTALL:-}" != true ]]; then main "$@"; fi
