# shellcheck shell=sh
# IOMMU Atlas collector, script version 1.
#
# One read-only POSIX sh script that gathers everything a snapshot needs in ONE exec
# (`sh -s` or `ATLAS_SUDO=1 sh -s`, script on stdin; see main/io/transport.ts). It never writes
# anything on the host: no temp files, no sysfs writes; only reads and read-only commands.
# It runs under dash, bash --posix and any POSIX sh; no bashisms.
#
# Options come only from the environment:
#   ATLAS_SUDO=1         run the root-only commands (lspci capabilities, restricted dmesg,
#                        dmidecode) with `sudo -n` when that works without a password;
#                        otherwise run them as the user and say so in `meta` (sudo=no).
#   ATLAS_SYSROOT=/dir   test hook: read /sys, /proc and /dev from /dir/sys, /dir/proc, /dir/dev,
#                        strip /dir from every resolved path, run
#                        `lspci -O sysfs.path=/dir/sys/bus/pci` and `dmesg -F /dir/dmesg-raw.txt`
#                        (a `<6>[ t] msg` syslog-buffer file), and skip dmidecode (it would read
#                        this machine's firmware) and, unless ATLAS_LIBVIRT_URI is set, virsh.
#   ATLAS_LIBVIRT_URI    libvirt URI for `virsh -r -c URI` (default qemu:///system; a test can
#                        pass libvirt's test driver, test:///path/to/node.xml).
#
# Output framing (parsed by main/core/parsers/collector-output.ts):
#   @@ATLAS <nonce> BEGIN v1                 first line; nonce from /proc/sys/kernel/random/uuid
#   @@ATLAS <nonce> SECTION <name>
#   <content: the section's stdout, exactly>
#   <one empty line added by the framing, so END always starts a line>
#   @@ATLAS <nonce> END <name> rc=<exit code | skipped>
#   @@ATLAS <nonce> SECTION <name>.stderr    only when the section wrote to stderr: what it
#   <stderr>                                 wrote, framed the same way (rc is always 0)
#   @@ATLAS <nonce> END <name>.stderr rc=0
#   @@ATLAS <nonce> DONE                     the very last line
# A section runs in its own subshell with its own stderr capture, so one failing section cannot
# corrupt another. lspci, the pci walk and the other sysfs walks run at the same time (see
# atlas_main); the sections still come out whole and in the order below. Notes from the script
# itself go to the section's stderr as `atlas: <kind>: <text>` (kind: missing, unreadable,
# skipped, fallback, note).
#
# Sections, in order (line formats of the sysfs walks are the script's own design):
#   meta          key=value: script_version, uid, user, root, hostname, sysroot,
#                 sudo (yes | no | not-requested), sudo_reason, date (epoch seconds)
#   lspci         `lspci -vvv -nn -D -x` (with sudo -n when allowed)
#   pci           per /sys/bus/pci/devices/* entry:
#                   P <name> <real path>      the resolved device directory
#                   A <attr> <first line>     current_link_speed current_link_width
#                                             max_link_speed max_link_width reset_method
#                                             sriov_totalvfs sriov_numvfs driver_override boot_vga
#                                             (absent files: no line; files that cannot exist are
#                                             not looked for: see col_pci)
#                   L <link> <real path>      physfn virtfn<N> (virtfn<N>: SR-IOV PFs only)
#                 A function's IOMMU group is not repeated here: it is the group whose member
#                 list names it (iommu-groups), the other half of the same kernel link. The
#                 attributes lspci prints for every function, as any user, are not read here
#                 (see col_pci); when lspci fails, pci-ids reads them after all.
#   iommu-groups  per /sys/kernel/iommu_groups/<N>: `G <N>`, `A type <t>`, `A name <n>`,
#                 `F reserved_regions` (the file was read) then `R <line>` per region,
#                 `M <member name>` (a PCI member's real path is its `P` line)
#   iommu-class   per /sys/class/iommu/<unit>: `U <unit> <real path>`,
#                 `K intel-iommu|amd-iommu`, `A <dir>/<file> <value>`, `M <device name>`
#   pci-slots     per /sys/bus/pci/slots/<name>: `S <name>`, `A <attr> <value>` for address
#                 max_bus_speed cur_bus_speed adapter
#   acpi-tables   `T <name>` per entry of /sys/firmware/acpi/tables
#   dmi-id        `A <attr> <value>` from /sys/class/dmi/id (no serials)
#   cmdline, version, os-release, modules   the files /proc/cmdline, /proc/version,
#                 /etc/os-release (or /usr/lib/os-release), /proc/modules as they are
#   cpuinfo       the first processor block of /proc/cpuinfo; an empty line; every further
#                 distinct `flags`/`Features` line once; `processors=<N>`
#   kvm           `kvm=yes|no`, `access=rw|no`
#   vfio          `V <name> <c|d|f|l|?>` per entry of /dev/vfio and /dev/vfio/devices
#   hostusage     `mount <source> <mount point> <fstype>` (/proc/mounts, sources under /dev/),
#                 `block <name> <real path>`, `slave <name> <slave>`, `dm <name> <dm name>`,
#                 `net <name> [<real path of device>]`, `ssh <$SSH_CONNECTION>`,
#                 `ipaddr <ip -o addr line>`, `route <line>` (/proc/net/route),
#                 `inet6 <line>` (/proc/net/if_inet6), `fb <name> <real path of device>`,
#                 `drm <name> <real path of device>`
#   pci-ids       only when lspci did not end with rc=0: per function `P <name> <real path>`,
#                 `A <attr> <first line>` for vendor device subsystem_vendor subsystem_device
#                 class revision numa_node secondary_bus_number subordinate_bus_number, and
#                 `L driver <real path>`
#   dmesg         `dmesg`; when that fails, `sudo -n dmesg` or
#                 `journalctl -k -b --no-pager -q -o short-monotonic` (said on stderr)
#   dmidecode     `dmidecode -t 0,1,2,9`, only as root or with sudo -n; otherwise skipped
#   virsh         `virsh -r -c <uri> list --all`, then one `virsh-dumpxml` section per domain
# In the sysfs walks a line `! <missing|empty|unreadable|dangling> <path>` says why something
# expected is not there.
#
# Everything runs inside atlas_main so that a script cut short in transit is a syntax error,
# never a partial run; every external command gets </dev/null so it cannot eat the script that
# `sh -s` is still reading from stdin.

atlas_main() {
  ATLAS_SCRIPT_VERSION=1
  PATH=$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  LC_ALL=C
  export PATH LC_ALL
  unset CDPATH
  NL='
'

  # Nonce: the marker lines of this run cannot appear inside host-provided text by accident.
  NONCE=
  if [ -r /proc/sys/kernel/random/uuid ]; then
    IFS= read -r NONCE < /proc/sys/kernel/random/uuid
  fi
  [ -n "$NONCE" ] || NONCE="pid$$-ppid$PPID"

  SYSROOT=
  if [ -n "$ATLAS_SYSROOT" ]; then
    if cd -P -- "$ATLAS_SYSROOT" 2>/dev/null; then
      SYSROOT=$PWD
      cd / || return 1
    else
      SYSROOT=$ATLAS_SYSROOT
    fi
  fi
  SYS=$SYSROOT/sys
  PROC=$SYSROOT/proc
  DEV=$SYSROOT/dev

  UID_EFF=
  if [ -r /proc/self/status ]; then
    while read -r _k _real _eff _rest; do
      case $_k in Uid:) UID_EFF=$_eff; break ;; esac
    done < /proc/self/status
  fi
  [ -n "$UID_EFF" ] || UID_EFF=$(id -u 2>/dev/null </dev/null)

  SUDO_OK=no
  if [ "$ATLAS_SUDO" != 1 ]; then
    SUDO_STATE=not-requested
    SUDO_REASON=
  elif [ "$UID_EFF" = 0 ]; then
    SUDO_STATE=no
    SUDO_REASON='already root (uid 0): root-only commands run directly'
  elif ! command -v sudo >/dev/null 2>&1; then
    SUDO_STATE=no
    SUDO_REASON='sudo is not installed: root-only commands run as the user'
  elif sudo -n true </dev/null >/dev/null 2>&1; then
    SUDO_STATE=yes
    SUDO_OK=yes
    SUDO_REASON='sudo -n works without a password'
  else
    SUDO_STATE=no
    SUDO_REASON='sudo -n needs a password or is not allowed: root-only commands run as the user'
  fi
  if [ "$UID_EFF" = 0 ] || [ "$SUDO_OK" = yes ]; then PRIVILEGED=yes; else PRIVILEGED=no; fi

  exec 3>&1
  printf '@@ATLAS %s BEGIN v1\n' "$NONCE"

  section meta col_meta
  # lspci (pciutils reading every function's config space), the pci walk and the other sysfs
  # walks each take a good part of a second on a host with thousands of functions, so the three
  # run side by side. This script writes no files: lspci, by far the largest output, goes
  # straight to the script's stdout (fd 3) as it comes; the two walks are framed as usual into
  # command substitutions (dash reads those 128 bytes at a time, so only small outputs belong
  # there) and printed once lspci is done: pci, then the other walks. A substitution drops the
  # final newline of its sections; printf puts it back. When lspci did not succeed, pci-ids
  # reads what the pci walk left to it.
  _walks=$(
    section lspci col_lspci >&3 &
    _lspci_pid=$!
    section pci col_pci 3>&1 &
    _pci_pid=$!
    _other=$(
      {
        section iommu-groups col_iommu_groups
        section iommu-class col_iommu_class
        section pci-slots col_pci_slots
        section acpi-tables col_acpi_tables
        section dmi-id col_dmi_id
        section cmdline copy_file "$PROC/cmdline" /proc/cmdline
        section version copy_file "$PROC/version" /proc/version
        section os-release col_os_release
        section cpuinfo col_cpuinfo
        section modules copy_file "$PROC/modules" /proc/modules
        section kvm col_kvm
        section vfio col_vfio
        section hostusage col_hostusage
      } 3>&1
    )
    wait "$_pci_pid"
    printf '%s\n' "$_other"
    wait "$_lspci_pid" || section pci-ids col_pci_ids 3>&1
  )
  printf '%s\n' "$_walks"
  unset _walks
  section dmesg col_dmesg

  if [ -n "$SYSROOT" ]; then
    skip_section dmidecode "ATLAS_SYSROOT is set: dmidecode would read this machine's firmware, not the sysroot's"
  elif [ "$PRIVILEGED" = yes ]; then
    section dmidecode col_dmidecode
  else
    skip_section dmidecode "dmidecode needs root: not root and no usable sudo -n ($SUDO_STATE)"
  fi

  if [ -n "$SYSROOT" ] && [ -z "$ATLAS_LIBVIRT_URI" ]; then
    skip_section virsh "ATLAS_SYSROOT is set and ATLAS_LIBVIRT_URI is not: this machine's libvirt does not belong to the sysroot"
  elif ! command -v virsh >/dev/null 2>&1; then
    skip_section virsh "virsh is not installed (libvirt-clients)"
  else
    LIBVIRT_URI=${ATLAS_LIBVIRT_URI:-qemu:///system}
    section virsh bounded 30 virsh -r -c "$LIBVIRT_URI" list --all
    # One fork for the names, split at newlines only (no globbing) into the positional
    # parameters; each name then reaches virsh as one argument and is never evaluated.
    _names=$(bounded 30 virsh -r -c "$LIBVIRT_URI" list --all --name 2>/dev/null)
    _ifs=$IFS
    IFS=$NL
    set -f
    # shellcheck disable=SC2086
    set -- $_names
    set +f
    IFS=$_ifs
    for _name in "$@"; do
      [ -n "$_name" ] || continue
      section virsh-dumpxml bounded 30 virsh -r -c "$LIBVIRT_URI" dumpxml -- "$_name"
    done
  fi

  printf '@@ATLAS %s DONE\n' "$NONCE"
}

# section NAME COMMAND [ARGS...]: run COMMAND in a subshell; its stdout goes straight out
# (fd 3), its stderr is captured and framed as NAME.stderr after the section. Returns COMMAND's
# exit code.
section() {
  _sec=$1
  shift
  printf '@@ATLAS %s SECTION %s\n' "$NONCE" "$_sec"
  _err=$("$@" 2>&1 1>&3 3>&-)
  _rc=$?
  printf '\n@@ATLAS %s END %s rc=%s\n' "$NONCE" "$_sec" "$_rc"
  if [ -n "$_err" ]; then
    printf '@@ATLAS %s SECTION %s.stderr\n%s\n\n@@ATLAS %s END %s.stderr rc=0\n' \
      "$NONCE" "$_sec" "$_err" "$NONCE" "$_sec"
  fi
  return "$_rc"
}

# skip_section NAME REASON: an empty section with rc=skipped and the reason as its stderr.
skip_section() {
  printf '@@ATLAS %s SECTION %s\n\n@@ATLAS %s END %s rc=skipped\n' "$NONCE" "$1" "$NONCE" "$1"
  printf '@@ATLAS %s SECTION %s.stderr\natlas: skipped: %s\n\n@@ATLAS %s END %s.stderr rc=0\n' \
    "$NONCE" "$1" "$2" "$NONCE" "$1"
}

# as_root COMMAND [ARGS...]: through `sudo -n` when that was found to work, else as the user.
as_root() {
  if [ "$SUDO_OK" = yes ]; then
    sudo -n -- "$@" </dev/null
  else
    "$@" </dev/null
  fi
}

# bounded SECONDS COMMAND [ARGS...]: a stuck daemon (libvirt, journald) must not eat the
# transport's whole time budget; coreutils `timeout` when present.
bounded() {
  _secs=$1
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout "$_secs" "$@" </dev/null
  else
    "$@" </dev/null
  fi
}

# copy_file FILE SHOWN-NAME: the file's lines, read with the shell's own `read`.
copy_file() {
  if [ -r "$1" ]; then
    while IFS= read -r _l || [ -n "$_l" ]; do
      printf '%s\n' "$_l"
    done < "$1"
  elif [ -e "$1" ]; then
    printf 'atlas: unreadable: %s\n' "$2" >&2
    return 1
  else
    printf 'atlas: missing: %s\n' "$2" >&2
    return 1
  fi
}

# attr FILE LABEL: `A LABEL <first line of FILE>`; nothing when FILE is absent.
attr() {
  if [ -r "$1" ]; then
    _v=
    IFS= read -r _v < "$1"
    printf 'A %s %s\n' "$2" "$_v"
  elif [ -e "$1" ]; then
    printf '! unreadable %s/%s\n' "${PWD#"$SYSROOT"}" "$1"
  fi
}

col_meta() {
  _user=$(id -un 2>/dev/null </dev/null) || _user=${USER:-$LOGNAME}
  _host=
  for _f in "$PROC/sys/kernel/hostname" "$SYSROOT/etc/hostname"; do
    if [ -r "$_f" ]; then
      IFS= read -r _host < "$_f"
      break
    fi
  done
  printf 'script_version=%s\n' "$ATLAS_SCRIPT_VERSION"
  printf 'uid=%s\n' "$UID_EFF"
  printf 'user=%s\n' "$_user"
  if [ "$UID_EFF" = 0 ]; then printf 'root=yes\n'; else printf 'root=no\n'; fi
  printf 'hostname=%s\n' "$_host"
  printf 'sysroot=%s\n' "$SYSROOT"
  printf 'sudo=%s\n' "$SUDO_STATE"
  printf 'sudo_reason=%s\n' "$SUDO_REASON"
  printf 'date=%s\n' "$(date +%s </dev/null)"
}

# The per-device loop uses builtins only: `cd -P` resolves each symlink in this shell,
# `read` reads each attribute. No command substitution, pipe or external command in it.
# A function's lines are gathered in a variable and written with one printf: dash writes each
# printf at once, and a write per line is a large part of the walk on thousands of functions.
# Opening a file is what a walk pays for (dash's `read` adds a syscall per byte), so the walk
# skips what lspci reads from the same sysfs files and prints for every function even without
# root: the ids, class, revision, NUMA node, bound driver (libpci's sysfs access, lib/sysfs.c)
# and the bridges' bus numbers (config header, the first 64 bytes any user may read). It reads
# what lspci does not print, or prints only as root: link speed and width, reset_method,
# driver_override, boot_vga, SR-IOV counts and links.
col_pci() {
  _base=$SYS/bus/pci/devices
  if [ ! -d "$_base" ]; then
    printf '! missing /sys/bus/pci/devices\n'
    return 0
  fi
  # What a function's lines so far say: a PCIe function (current_link_speed read or unreadable),
  # an SR-IOV PF (sriov_totalvfs).
  _pcie="${NL}A current_link_speed "
  _pcie_unreadable="/current_link_speed$NL"
  _pf="${NL}A sriov_totalvfs "
  _pf_unreadable="/sriov_totalvfs$NL"
  _count=0
  for _d in "$_base"/*; do
    [ -L "$_d" ] || [ -e "$_d" ] || continue
    _name=${_d##*/}
    if ! cd -P -- "$_d"; then
      printf '! dangling /sys/bus/pci/devices/%s\n' "$_name"
      continue
    fi
    _count=$((_count + 1))
    _real=$PWD
    _path=${_real#"$SYSROOT"}
    _out="P $_name $_path$NL"
    for _a in current_link_speed current_link_width max_link_speed max_link_width reset_method \
      sriov_totalvfs sriov_numvfs driver_override boot_vga; do
      # Only where the file can be (drivers/pci/pci-sysfs.c, iov.c): the link attributes come as
      # four (PCIe functions only), sriov_numvfs beside sriov_totalvfs (SR-IOV PFs only). Files
      # that many functions lack are tested first (boot_vga exists for VGA-class functions only):
      # a redirection from a missing file costs dash an open and three writes of its error
      # message, a test costs one stat.
      case $_a in
        current_link_width|max_link_speed|max_link_width) case $_out in *"$_pcie"*|*"$_pcie_unreadable"*) ;; *) continue ;; esac ;;
        sriov_numvfs) case $_out in *"$_pf"*|*"$_pf_unreadable"*) ;; *) continue ;; esac ;;
        current_link_speed|reset_method|sriov_totalvfs|boot_vga) [ -e "$_a" ] || continue ;;
      esac
      # A newline is never a value (read stops at one): still there, the file could not be opened.
      _v=$NL
      IFS= read -r _v < "$_a"
      # Not there at all is no line: driver_override, for one, came with Linux 3.16.
      if [ "$_v" != "$NL" ]; then
        _out="${_out}A $_a $_v$NL"
      elif [ -e "$_a" ]; then
        _out="$_out! unreadable $_path/$_a$NL"
      fi
    done
    # Links by absolute path: the shell never has to come back into the function's directory.
    # The group (iommu_group) is the iommu-groups section's member list, the kernel's other
    # link to the same group (iommu_group_add_device); the bound driver is lspci's "Kernel
    # driver in use" (the same link); virtfnN exist for SR-IOV PFs only.
    set -- physfn
    case $_out in *"$_pf"*|*"$_pf_unreadable"*) set -- physfn "$_real"/virtfn* ;; esac
    for _l in "$@"; do
      _l=${_l##*/}
      [ -L "$_real/$_l" ] || continue
      if cd -P -- "$_real/$_l"; then
        _out="${_out}L $_l ${PWD#"$SYSROOT"}$NL"
      else
        _out="$_out! dangling $_path/$_l$NL"
      fi
    done
    printf '%s' "$_out"
  done 2>/dev/null
  [ "$_count" -gt 0 ] || printf '! empty /sys/bus/pci/devices\n'
  cd /
}

# What col_pci leaves to lspci, read when lspci failed or is missing: the same `P` lines, then
# the attributes (bus numbers for bridges only) and the bound driver.
col_pci_ids() {
  _base=$SYS/bus/pci/devices
  [ -d "$_base" ] || return 0
  for _d in "$_base"/*; do
    cd -P -- "$_d" 2>/dev/null || continue
    printf 'P %s %s\n' "${_d##*/}" "${PWD#"$SYSROOT"}"
    set -- vendor device subsystem_vendor subsystem_device class revision numa_node
    [ -e secondary_bus_number ] && set -- "$@" secondary_bus_number subordinate_bus_number
    for _a in "$@"; do
      attr "$_a" "$_a"
    done
    if [ -L driver ] && cd -P driver 2>/dev/null; then
      printf 'L driver %s\n' "${PWD#"$SYSROOT"}"
    fi
  done
  cd /
}

# A member's real path is its `P` line in the pci section: here only its name.
col_iommu_groups() {
  _base=$SYS/kernel/iommu_groups
  if [ ! -d "$_base" ]; then
    printf '! missing /sys/kernel/iommu_groups\n'
    return 0
  fi
  _count=0
  for _g in "$_base"/*; do
    [ -d "$_g" ] || continue
    _count=$((_count + 1))
    _out="G ${_g##*/}$NL"
    if ! cd -P -- "$_g"; then
      printf '%s' "$_out"
      continue
    fi
    for _a in type name; do
      if [ -r "$_a" ]; then
        _v=
        IFS= read -r _v < "$_a"
        _out="${_out}A $_a $_v$NL"
      elif [ -e "$_a" ]; then
        _out="$_out! unreadable /sys/kernel/iommu_groups/${_g##*/}/$_a$NL"
      fi
    done
    if [ -r reserved_regions ]; then
      _out="${_out}F reserved_regions$NL"
      while IFS= read -r _l || [ -n "$_l" ]; do
        _out="${_out}R $_l$NL"
      done < reserved_regions
    elif [ -e reserved_regions ]; then
      _out="$_out! unreadable /sys/kernel/iommu_groups/${_g##*/}/reserved_regions$NL"
    fi
    for _m in devices/*; do
      [ -L "$_m" ] || [ -e "$_m" ] || continue
      _out="${_out}M ${_m##*/}$NL"
    done
    printf '%s' "$_out"
  done 2>/dev/null
  [ "$_count" -gt 0 ] || printf '! empty /sys/kernel/iommu_groups\n'
  cd /
}

col_iommu_class() {
  _base=$SYS/class/iommu
  if [ ! -d "$_base" ]; then
    printf '! missing /sys/class/iommu\n'
    return 0
  fi
  _count=0
  for _u in "$_base"/*; do
    [ -e "$_u" ] || [ -L "$_u" ] || continue
    if ! cd -P -- "$_u" 2>/dev/null; then
      printf '! dangling /sys/class/iommu/%s\n' "${_u##*/}"
      continue
    fi
    _count=$((_count + 1))
    printf 'U %s %s\n' "${_u##*/}" "${PWD#"$SYSROOT"}"
    for _k in intel-iommu amd-iommu; do
      [ -d "$_k" ] || continue
      printf 'K %s\n' "$_k"
      for _f in "$_k"/*; do
        [ -f "$_f" ] && attr "$_f" "$_f"
      done
    done
    for _m in devices/*; do
      [ -e "$_m" ] || [ -L "$_m" ] || continue
      printf 'M %s\n' "${_m##*/}"
    done
  done
  [ "$_count" -gt 0 ] || printf '! empty /sys/class/iommu\n'
  cd /
}

col_pci_slots() {
  _base=$SYS/bus/pci/slots
  if [ ! -d "$_base" ]; then
    printf '! missing /sys/bus/pci/slots\n'
    return 0
  fi
  _count=0
  for _s in "$_base"/*; do
    [ -d "$_s" ] || continue
    cd -P -- "$_s" 2>/dev/null || continue
    _count=$((_count + 1))
    printf 'S %s\n' "${_s##*/}"
    for _a in address max_bus_speed cur_bus_speed adapter; do
      attr "$_a" "$_a"
    done
  done
  [ "$_count" -gt 0 ] || printf '! empty /sys/bus/pci/slots\n'
  cd /
}

col_acpi_tables() {
  _base=$SYS/firmware/acpi/tables
  if [ ! -d "$_base" ]; then
    printf '! missing /sys/firmware/acpi/tables\n'
    return 0
  fi
  _count=0
  for _t in "$_base"/*; do
    [ -e "$_t" ] || continue
    _count=$((_count + 1))
    printf 'T %s\n' "${_t##*/}"
  done
  [ "$_count" -gt 0 ] || printf '! empty /sys/firmware/acpi/tables\n'
}

col_dmi_id() {
  _base=$SYS/class/dmi/id
  if ! cd -P -- "$_base" 2>/dev/null; then
    printf '! missing /sys/class/dmi/id\n'
    return 0
  fi
  for _a in sys_vendor product_name board_vendor board_name board_version bios_vendor \
    bios_version bios_date; do
    attr "$_a" "$_a"
  done
  cd /
}

col_os_release() {
  for _f in /etc/os-release /usr/lib/os-release; do
    if [ -e "$SYSROOT$_f" ]; then
      copy_file "$SYSROOT$_f" "$_f"
      return
    fi
  done
  printf 'atlas: missing: /etc/os-release and /usr/lib/os-release\n' >&2
  return 1
}

col_cpuinfo() {
  _f=$PROC/cpuinfo
  if [ ! -r "$_f" ]; then
    printf 'atlas: missing: /proc/cpuinfo\n' >&2
    return 1
  fi
  _first=yes
  _count=0
  _seen=
  while IFS= read -r _l || [ -n "$_l" ]; do
    case $_l in
      processor*) _count=$((_count + 1)) ;;
    esac
    if [ "$_first" = yes ]; then
      if [ -z "$_l" ]; then
        _first=no
        printf '\n'
        continue
      fi
      printf '%s\n' "$_l"
    fi
    case $_l in
      flags*|Features*)
        case "$NL$_seen$NL" in
          *"$NL$_l$NL"*) ;;
          *)
            _seen=$_seen$NL$_l
            [ "$_first" = yes ] || printf '%s\n' "$_l"
            ;;
        esac
        ;;
    esac
  done < "$_f"
  [ "$_first" = no ] || printf '\n'
  printf 'processors=%s\n' "$_count"
}

col_kvm() {
  if [ -e "$DEV/kvm" ]; then
    printf 'kvm=yes\n'
    if [ -r "$DEV/kvm" ] && [ -w "$DEV/kvm" ]; then printf 'access=rw\n'; else printf 'access=no\n'; fi
  else
    printf 'kvm=no\n'
  fi
}

col_vfio() {
  if [ ! -d "$DEV/vfio" ]; then
    printf '! missing /dev/vfio\n'
    return 0
  fi
  _count=0
  for _e in "$DEV"/vfio/* "$DEV"/vfio/devices/*; do
    [ -e "$_e" ] || [ -L "$_e" ] || continue
    _count=$((_count + 1))
    if [ -L "$_e" ]; then _t=l
    elif [ -c "$_e" ]; then _t=c
    elif [ -d "$_e" ]; then _t=d
    elif [ -f "$_e" ]; then _t=f
    else _t='?'
    fi
    printf 'V %s %s\n' "${_e#"$DEV"/vfio/}" "$_t"
  done
  [ "$_count" -gt 0 ] || printf '! empty /dev/vfio\n'
}

col_hostusage() {
  if [ -r "$PROC/mounts" ]; then
    while read -r _src _mp _fs _rest; do
      case $_src in
        /dev/*) printf 'mount %s %s %s\n' "$_src" "$_mp" "$_fs" ;;
      esac
    done < "$PROC/mounts"
  else
    printf '! missing /proc/mounts\n'
  fi

  if [ -d "$SYS/class/block" ]; then
    for _b in "$SYS"/class/block/*; do
      [ -e "$_b" ] || continue
      cd -P -- "$_b" 2>/dev/null || continue
      _name=${_b##*/}
      printf 'block %s %s\n' "$_name" "${PWD#"$SYSROOT"}"
      for _s in slaves/*; do
        [ -e "$_s" ] || [ -L "$_s" ] || continue
        printf 'slave %s %s\n' "$_name" "${_s##*/}"
      done
      if [ -r dm/name ]; then
        IFS= read -r _v < dm/name
        printf 'dm %s %s\n' "$_name" "$_v"
      fi
    done
  else
    printf '! missing /sys/class/block\n'
  fi

  if [ -d "$SYS/class/net" ]; then
    for _n in "$SYS"/class/net/*; do
      [ -d "$_n" ] || continue
      if [ -e "$_n/device" ] && cd -P -- "$_n/device" 2>/dev/null; then
        printf 'net %s %s\n' "${_n##*/}" "${PWD#"$SYSROOT"}"
      else
        printf 'net %s\n' "${_n##*/}"
      fi
    done
  else
    printf '! missing /sys/class/net\n'
  fi

  if [ -n "$SSH_CONNECTION" ]; then
    printf 'ssh %s\n' "$SSH_CONNECTION"
    if [ -z "$SYSROOT" ] && command -v ip >/dev/null 2>&1; then
      _out=$(ip -o addr show </dev/null 2>/dev/null)
      _ifs=$IFS
      IFS=$NL
      set -f
      for _l in $_out; do
        printf 'ipaddr %s\n' "$_l"
      done
      set +f
      IFS=$_ifs
    fi
    for _f in route if_inet6; do
      [ -r "$PROC/net/$_f" ] || continue
      case $_f in route) _tag=route ;; *) _tag=inet6 ;; esac
      while IFS= read -r _l || [ -n "$_l" ]; do
        printf '%s %s\n' "$_tag" "$_l"
      done < "$PROC/net/$_f"
    done
  fi

  for _f in "$SYS"/class/graphics/fb*; do
    [ -e "$_f/device" ] || continue
    cd -P -- "$_f/device" 2>/dev/null || continue
    printf 'fb %s %s\n' "${_f##*/}" "${PWD#"$SYSROOT"}"
  done
  for _c in "$SYS"/class/drm/card*; do
    case ${_c##*/} in *-*) continue ;; esac
    [ -e "$_c/device" ] || continue
    cd -P -- "$_c/device" 2>/dev/null || continue
    printf 'drm %s %s\n' "${_c##*/}" "${PWD#"$SYSROOT"}"
  done
  cd /
}

col_lspci() {
  if ! command -v lspci >/dev/null 2>&1; then
    printf 'atlas: missing: lspci is not installed (pciutils); PATH=%s\n' "$PATH" >&2
    return 127
  fi
  if [ "$PRIVILEGED" = no ]; then
    printf 'atlas: note: not root and no sudo (%s): capabilities such as ACS and the PCIe port type read as <access denied>\n' \
      "$SUDO_STATE" >&2
  fi
  if [ -n "$SYSROOT" ]; then
    as_root lspci -O "sysfs.path=$SYSROOT/sys/bus/pci" -vvv -nn -D -x
  else
    as_root lspci -vvv -nn -D -x
  fi
}

col_dmesg() {
  if [ -n "$SYSROOT" ]; then
    if ! command -v dmesg >/dev/null 2>&1; then
      printf 'atlas: missing: dmesg is not installed (util-linux)\n' >&2
      return 127
    fi
    dmesg -F "$SYSROOT/dmesg-raw.txt" </dev/null
    return
  fi
  if command -v dmesg >/dev/null 2>&1; then
    dmesg </dev/null && return 0
    _rc=$?
    _restrict=unknown
    [ -r /proc/sys/kernel/dmesg_restrict ] && IFS= read -r _restrict < /proc/sys/kernel/dmesg_restrict
    printf 'atlas: fallback: dmesg failed with rc=%s (kernel.dmesg_restrict=%s)\n' "$_rc" "$_restrict" >&2
    if [ "$SUDO_OK" = yes ]; then
      if sudo -n -- dmesg </dev/null; then
        printf 'atlas: fallback: used sudo -n dmesg\n' >&2
        return 0
      fi
      printf 'atlas: fallback: sudo -n dmesg failed too\n' >&2
    fi
  else
    printf 'atlas: missing: dmesg is not installed (util-linux)\n' >&2
  fi
  if command -v journalctl >/dev/null 2>&1; then
    printf 'atlas: fallback: used journalctl -k -b -o short-monotonic\n' >&2
    bounded 30 journalctl -k -b --no-pager -q -o short-monotonic
    return
  fi
  printf 'atlas: missing: no readable kernel log (dmesg failed, no journalctl)\n' >&2
  return 127
}

col_dmidecode() {
  if ! command -v dmidecode >/dev/null 2>&1; then
    printf 'atlas: missing: dmidecode is not installed\n' >&2
    return 127
  fi
  as_root dmidecode -t 0,1,2,9
}

atlas_main
