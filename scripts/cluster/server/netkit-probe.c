/* UDP for the local cluster's probes (busybox's nc here speaks TCP only).
 *   netkit-probe udp IP PORT SECONDS   send one datagram, exit 0 if an answer arrives in time
 *   netkit-probe udp-serve PORT        answer every datagram with "ok"
 * Built static by scripts/cluster.sh into the image netkit.local/server:1. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int usage(void) {
    fprintf(stderr, "usage: netkit-probe udp IP PORT SECONDS | netkit-probe udp-serve PORT\n");
    return 2;
}

static int serve(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("netkit-probe: bind");
        return 1;
    }
    for (;;) {
        char buf[512];
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len) >= 0) {
            sendto(fd, "ok\n", 3, 0, (struct sockaddr *)&peer, len);
        }
    }
}

static int probe(const char *ip, int port, int seconds) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct timeval wait = {.tv_sec = seconds};
    char buf[64];
    if (fd < 0 || inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
        return usage();
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    /* connect() so that an ICMP unreachable ends the wait early (a REJECT). */
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || send(fd, "probe\n", 6, 0) < 0) {
        return 1;
    }
    return recv(fd, buf, sizeof buf, 0) > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "udp") == 0) {
        return probe(argv[2], atoi(argv[3]), atoi(argv[4]));
    }
    if (argc == 3 && strcmp(argv[1], "udp-serve") == 0) {
        return serve(atoi(argv[2]));
    }
    return usage();
}
