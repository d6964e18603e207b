// A stand-in for a WAN link on loopback (this kernel has no netem): relays 127.0.0.1:LISTEN to
// 127.0.0.1:TARGET, holding every chunk DELAY_MS milliseconds in each direction and passing at most
// RATE bytes a second each way. Used by the benchmarks in scripts/dev and by the integration tests
// (Tests/IntegrationTests/Support/ProxyServers.swift); never part of Ferry.
//
// Usage: wan-relay LISTEN TARGET DELAY_MS RATE
// Build: cc -O2 -pthread -o wan-relay wan-relay.c
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define QUEUE_LIMIT (32 << 20)

static int target_port;
static long delay_ns;
static double rate;

typedef struct chunk {
    struct chunk *next;
    long long due;
    size_t length;
    unsigned char data[CHUNK];
} chunk;

typedef struct {
    int from, to;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    chunk *head, *tail;
    size_t queued;
    int done;
} direction;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(long long when) {
    long long left = when - now_ns();
    if (left <= 0) return;
    struct timespec t = {left / 1000000000LL, left % 1000000000LL};
    nanosleep(&t, NULL);
}

// Reads from one side into the queue, stamping each chunk with when it may leave.
static void *reader(void *arg) {
    direction *d = arg;
    for (;;) {
        chunk *c = malloc(sizeof(chunk));
        ssize_t got = c ? read(d->from, c->data, CHUNK) : -1;
        pthread_mutex_lock(&d->lock);
        if (got <= 0) {
            free(c);
            d->done = 1;
            pthread_cond_broadcast(&d->changed);
            pthread_mutex_unlock(&d->lock);
            return NULL;
        }
        c->length = (size_t)got;
        c->due = now_ns() + delay_ns;
        c->next = NULL;
        while (d->queued > QUEUE_LIMIT) pthread_cond_wait(&d->changed, &d->lock);
        if (d->tail) d->tail->next = c; else d->head = c;
        d->tail = c;
        d->queued += c->length;
        pthread_cond_broadcast(&d->changed);
        pthread_mutex_unlock(&d->lock);
    }
}

// Writes each chunk to the other side once it is due, no faster than the rate allows.
static void *writer(void *arg) {
    direction *d = arg;
    long long free_at = now_ns();
    for (;;) {
        pthread_mutex_lock(&d->lock);
        while (!d->head && !d->done) pthread_cond_wait(&d->changed, &d->lock);
        chunk *c = d->head;
        if (!c) {
            pthread_mutex_unlock(&d->lock);
            shutdown(d->to, SHUT_WR);
            return NULL;
        }
        d->head = c->next;
        if (!d->head) d->tail = NULL;
        d->queued -= c->length;
        pthread_cond_broadcast(&d->changed);
        pthread_mutex_unlock(&d->lock);
        sleep_until(c->due);
        long long start = now_ns() > free_at ? now_ns() : free_at;
        sleep_until(start);
        free_at = start + (long long)(c->length / rate * 1e9);
        size_t sent = 0;
        while (sent < c->length) {
            ssize_t n = write(d->to, c->data + sent, c->length - sent);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                free(c);
                return NULL;
            }
            sent += (size_t)n;
        }
        free(c);
    }
}

static void *serve(void *arg) {
    int client = (int)(long)arg;
    int server = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(target_port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(server, (struct sockaddr *)&address, sizeof(address)) != 0) {
        close(client);
        close(server);
        return NULL;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    direction up = {.from = client, .to = server}, down = {.from = server, .to = client};
    pthread_t threads[4];
    direction *ds[2] = {&up, &down};
    for (int i = 0; i < 2; i++) {
        pthread_mutex_init(&ds[i]->lock, NULL);
        pthread_cond_init(&ds[i]->changed, NULL);
        pthread_create(&threads[2 * i], NULL, reader, ds[i]);
        pthread_create(&threads[2 * i + 1], NULL, writer, ds[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    close(client);
    close(server);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: wan-relay LISTEN TARGET DELAY_MS RATE\n");
        return 2;
    }
    // A side that closes early must end its own connection, not the relay.
    signal(SIGPIPE, SIG_IGN);
    target_port = atoi(argv[2]);
    delay_ns = atol(argv[3]) * 1000000L;
    rate = atof(argv[4]);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(listener, 64) != 0) {
        perror("wan-relay");
        return 1;
    }
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) continue;
        pthread_t thread;
        pthread_create(&thread, NULL, serve, (void *)(long)client);
        pthread_detach(thread);
    }
}
