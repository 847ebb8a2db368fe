#!/usr/bin/env bash
# Integration test of the imagefleet.registry.crane role on the local host.
#
# The archive method is tested against a release the test builds itself and
# serves from a loopback HTTP server (python -m http.server on 127.0.0.1, a
# free port): go-containerregistry_<OS>_<arch>.tar.gz plus checksums.txt.
# The "crane" inside is a stand-in shell script that prints a version: real
# release binaries cannot be downloaded on the machines these tests run on
# (no internet access), and the role only needs "crane version" to answer.
# Everything is installed into temporary directories; the HTTP server and the
# directories are removed at the end, whatever happens.
set -eux -o pipefail

cd "$(dirname "$0")"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "${server_pid}" ]; then
        kill "${server_pid}" 2>/dev/null || true
        wait "${server_pid}" 2>/dev/null || true
    fi
    rm -rf "${work}"
}
trap cleanup EXIT

inventory="${INVENTORY_PATH:-}"
if [ -z "${inventory}" ]; then
    inventory="${work}/inventory.yml"
    printf 'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: "{{ ansible_playbook_python }}"\n' > "${inventory}"
fi

run() {
    ansible-playbook -i "${inventory}" "$@"
}

# Asserts the play recap of $1 reports changed=0 and failed=0.
assert_unchanged() {
    grep -E '^localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "$1"
}

# --- build a release like go-containerregistry's goreleaser output ---------
version=0.99.0
case "$(uname -s)" in
    Linux) os=Linux ;;
    Darwin) os=Darwin ;;
    *) echo "unsupported OS for this test"; exit 1 ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch="$(uname -m)" ;;
esac
asset="go-containerregistry_${os}_${arch}.tar.gz"

mkdir -p "${work}/content" "${work}/www/good/v${version}" "${work}/www/bad/v${version}"
# Stand-in for the real crane binary (see the header).
cat > "${work}/content/crane" <<STANDIN
#!/bin/sh
# Stand-in for crane ${version}: answers "crane version" only.
if [ "\$1" = version ]; then echo "${version}"; else echo "crane stand-in for tests" >&2; exit 1; fi
STANDIN
chmod 0755 "${work}/content/crane"
echo "stand-in LICENSE" > "${work}/content/LICENSE"
echo "stand-in README" > "${work}/content/README.md"
printf '#!/bin/sh\necho gcrane stand-in\n' > "${work}/content/gcrane"
tar -C "${work}/content" -czf "${work}/www/good/v${version}/${asset}" LICENSE README.md crane gcrane
(
    cd "${work}/www/good/v${version}"
    echo "0000000000000000000000000000000000000000000000000000000000000000  go-containerregistry_Windows_x86_64.tar.gz" > checksums.txt
    sha256sum "${asset}" >> checksums.txt
)
# Same archive, but a checksums file that does not match it.
cp "${work}/www/good/v${version}/${asset}" "${work}/www/bad/v${version}/"
echo "$(echo tampered | sha256sum | cut -d' ' -f1)  ${asset}" > "${work}/www/bad/v${version}/checksums.txt"

# --- loopback HTTP server on a free port -----------------------------------
python3 -u -m http.server --bind 127.0.0.1 --directory "${work}/www" 0 > "${work}/http.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 50); do
    port="$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "${work}/http.log")"
    [ -n "${port}" ] && break
    sleep 0.1
done
[ -n "${port}" ]
base="http://127.0.0.1:${port}"

good=(-e "crane_version=${version}" -e "crane_release_url=${base}/good/v${version}")

# --- archive: check mode installs nothing ----------------------------------
run archive.yml --check "${good[@]}" -e "crane_install_dir=${work}/bin" -e crane_test_expect=absent "$@"

# --- archive: install, then again (changed=0), then check mode (changed=0) --
run archive.yml "${good[@]}" -e "crane_install_dir=${work}/bin" -e crane_test_expect=installed "$@"
run archive.yml "${good[@]}" -e "crane_install_dir=${work}/bin" -e crane_test_expect=installed "$@" | tee "${work}/second.log"
assert_unchanged "${work}/second.log"
run archive.yml --check "${good[@]}" -e "crane_install_dir=${work}/bin" -e crane_test_expect=installed "$@" | tee "${work}/check.log"
assert_unchanged "${work}/check.log"

# --- archive: a wrong checksum fails with nothing installed -----------------
run expect_failure.yml -e "crane_version=${version}" -e "crane_release_url=${base}/bad/v${version}" \
    -e "crane_install_dir=${work}/bin-bad" -e "crane_test_expected_msg=checksum" "$@"

# --- archive: air-gapped file:// source -------------------------------------
run archive.yml -e "crane_version=${version}" \
    -e "crane_archive_url=file://${work}/www/good/v${version}/${asset}" \
    -e "crane_checksums_url=file://${work}/www/good/v${version}/checksums.txt" \
    -e "crane_install_dir=${work}/bin-file" -e crane_test_expect=installed "$@"

# --- go and package: clear failures where they cannot work ------------------
run expect_failure.yml -e crane_install_method=go -e "crane_go_command=${work}/no-such-go" \
    -e "crane_install_dir=${work}/bin-go" -e "crane_test_expected_msg=needs a Go toolchain" "$@"
if ! grep -qE '^ID=(alpine|arch)$' /etc/os-release 2>/dev/null; then
    run expect_failure.yml -e crane_install_method=package \
        -e "crane_install_dir=${work}/bin-package" -e "crane_test_expected_msg=which has none" "$@"
fi

grep -E '"GET /good/v[0-9.]+/go-containerregistry_' "${work}/http.log"
