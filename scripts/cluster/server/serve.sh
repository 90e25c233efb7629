# Serve every port in NETKIT_PORTS ("8080/TCP 53/UDP"): busybox httpd answers TCP
# connections, netkit-probe answers UDP datagrams. Runs until it is stopped.
set -eu
# As a container's first process the shell gets no signal it has no handler for: without
# this trap a pod's stop waits out its whole grace period (30 s) before it is killed.
trap 'exit 0' TERM INT
for spec in ${NETKIT_PORTS:-8080/TCP}; do
    port=${spec%/*}
    case "${spec#*/}" in
    TCP) busybox httpd -f -p "$port" -h /www & ;;
    UDP) netkit-probe udp-serve "$port" & ;;
    *) echo "netkit-serve: ${spec}: only TCP and UDP are served" >&2 ;;
    esac
done
echo "netkit-serve: serving ${NETKIT_PORTS:-8080/TCP}"
wait
