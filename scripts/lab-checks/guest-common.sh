# Sourced by the guest-side checks: `here` is this folder, the working directory a new temp dir,
# and the first CHECK line names the kernel and its command line.
set -u
here=$(dirname "$(readlink -f "${BASH_SOURCE[1]}")")
cd "$(mktemp -d)"
echo "CHECK: $(uname -r) $(cat /proc/cmdline)"
