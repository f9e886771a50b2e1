/* Held connections for bench/soak.sh: opens COUNT connections to 127.0.0.1:PORT one after another, keeps them all
 * open and idle for SECONDS, then checks each again.
 *
 *   hold tls PORT COUNT SECONDS REQUEST_FILE   each connection completes its TLS handshake and gets a 200 answer to
 *                                              the request in REQUEST_FILE (one HTTP/1.1 request, keep-alive); after
 *                                              the hold the same request again on each, which must be answered 200
 *   hold tcp PORT COUNT SECONDS                plain TCP connections (a SIP port); after the hold each must still
 *                                              be open (not closed by the server)
 *
 * Prints "held N" once all are open (the caller waits for that line), then "after: N of COUNT answered" (tls) or
 * "after: N of COUNT open" (tcp). Exits 0 when every connection opened and passed the check after the hold, 1
 * otherwise, 2 on a usage error. Each connect, handshake, write and read has a 10 s deadline. The server's certificate
 * is not verified: what is held is the connection, not the server's identity.
 *
 * Built by bench/soak.sh: cc -O2 -o hold hold.c -lssl -lcrypto */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct held {
    int fd;
    SSL *ssl;
};

static int open_tcp(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("hold: socket");
        return -1;
    }
    struct timeval deadline = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &deadline, sizeof deadline);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("hold: connect");
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends the request and reads one answer (headers, then a Content-Length body); 1 when its status is 200. */
static int exchange(SSL *ssl, const char *request, size_t length) {
    if (SSL_write(ssl, request, (int)length) != (int)length) {
        return 0;
    }
    char buffer[65536];
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == sizeof buffer - 1) {
            return 0;
        }
        int n = SSL_read(ssl, buffer + have, (int)(sizeof buffer - 1 - have));
        if (n <= 0) {
            return 0;
        }
        have += (size_t)n;
        buffer[have] = '\0';
        end = strstr(buffer, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(buffer, "HTTP/1.%*d %d", &status) != 1) {
        return 0;
    }
    long body = 0;
    for (char *line = strstr(buffer, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "content-length:", 15) == 0) {
            body = strtol(line + 17, NULL, 10);
        }
    }
    long left = body - (long)(have - (size_t)(end + 4 - buffer));
    while (left > 0) {
        int n = SSL_read(ssl, buffer, (int)(left < (long)sizeof buffer ? left : (long)sizeof buffer));
        if (n <= 0) {
            return 0;
        }
        left -= n;
    }
    return status == 200;
}

int main(int argc, char **argv) {
    const int tls = argc == 6 && strcmp(argv[1], "tls") == 0;
    if (!tls && !(argc == 5 && strcmp(argv[1], "tcp") == 0)) {
        fprintf(stderr, "usage: hold tls PORT COUNT SECONDS REQUEST_FILE | hold tcp PORT COUNT SECONDS\n");
        return 2;
    }
    const int port = atoi(argv[2]);
    const int count = atoi(argv[3]);
    const int seconds = atoi(argv[4]);
    if (port <= 0 || count <= 0 || seconds < 0) {
        fprintf(stderr, "hold: PORT and COUNT must be positive, SECONDS at least 0\n");
        return 2;
    }
    char request[16384];
    size_t length = 0;
    if (tls) {
        FILE *f = fopen(argv[5], "rb");
        if (!f) {
            perror("hold: the request file");
            return 2;
        }
        length = fread(request, 1, sizeof request, f);
        fclose(f);
    }
    SSL_CTX *context = tls ? SSL_CTX_new(TLS_client_method()) : NULL;
    if (tls && !context) {
        fprintf(stderr, "hold: no TLS context\n");
        return 1;
    }
    struct held *conns = calloc((size_t)count, sizeof *conns);
    if (!conns) {
        return 1;
    }
    for (int i = 0; i < count; ++i) {
        conns[i].fd = open_tcp(port);
        if (conns[i].fd < 0) {
            fprintf(stderr, "hold: connection %d of %d could not be opened\n", i + 1, count);
            return 1;
        }
        if (!tls) {
            continue;
        }
        conns[i].ssl = SSL_new(context);
        SSL_set_fd(conns[i].ssl, conns[i].fd);
        SSL_set_tlsext_host_name(conns[i].ssl, "localhost");
        if (SSL_connect(conns[i].ssl) != 1) {
            fprintf(stderr, "hold: TLS handshake %d of %d failed: ", i + 1, count);
            ERR_print_errors_fp(stderr);
            fprintf(stderr, "\n");
            return 1;
        }
        if (!exchange(conns[i].ssl, request, length)) {
            fprintf(stderr, "hold: connection %d of %d: no 200 answer to its request\n", i + 1, count);
            return 1;
        }
    }
    printf("held %d\n", count);
    fflush(stdout);
    sleep((unsigned)seconds);
    int passed = 0;
    for (int i = 0; i < count; ++i) {
        if (tls) {
            passed += exchange(conns[i].ssl, request, length);
        } else {
            char byte;
            ssize_t n = recv(conns[i].fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            passed += n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)); /* 0: closed */
        }
    }
    printf("after: %d of %d %s\n", passed, count, tls ? "answered" : "open");
    return passed == count ? 0 : 1;
}
