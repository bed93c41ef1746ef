# SPDX-License-Identifier: Apache-2.0
# Sourced by the two-host MPI tests (mpi_two_hosts.sh, sdk_v3_mpi_two_hosts.sh):
# write_ssh_fixture DIR writes into DIR a client key (id, id.pub), a host key,
# authorized_keys, an sshd_config for a private sshd on port 22 of a test's
# network namespace, the ssh_config mpirun's ssh uses, and the PAM config of
# that sshd. Needs `fail` from the sourcing script.
write_ssh_fixture() {
    local dir=$1
    ssh-keygen -q -t ed25519 -N '' -f "$dir/id" -C smtrain-test || fail "ssh-keygen"
    ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" -C smtrain-host || fail "ssh-keygen"
    cp "$dir/id.pub" "$dir/authorized_keys"
    cat >"$dir/sshd_config" <<CONF
Port 22
ListenAddress 0.0.0.0
HostKey $dir/host_key
PidFile none
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
StrictModes no
PrintMotd no
CONF
    cat >"$dir/ssh_config" <<CONF
Host *
  IdentityFile $dir/id
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  BatchMode yes
  LogLevel ERROR
CONF
    # PAM for sshd: no login accounting (it fails in containers), and pam_env so
    # the ssh sessions that start the ranks get what the worker wrote to /etc/environment.
    cat >"$dir/pam_sshd" <<CONF
auth required pam_permit.so
account required pam_permit.so
session required pam_env.so readenv=1 envfile=/etc/environment
CONF
}
