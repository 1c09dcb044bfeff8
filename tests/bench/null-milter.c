/*
 * null-milter: the smallest libmilter filter that reads every message and
 * accepts it at the end.  It registers the callbacks a real content filter
 * registers (data, header, eoh, body, eom, abort), negotiates away the steps
 * it does not need (connect, helo, mail, rcpt, unknown), requests no
 * modification actions, and answers every step.  Benchmarks use it as the
 * protocol's own speed limit: the cost of libmilter plus the socket.
 *
 *   null-milter -p SOCKET [-f] [-r] [-b BACKLOG] [-T SECS]
 *     -p  unix:/path or inet:port@host (libmilter syntax)
 *     -f  stay in the foreground (otherwise detach)
 *     -r  also negotiate "no reply" for data, headers, eoh and body chunks
 *         when the MTA offers it (SMFIP_NR_*)
 *     -b  listen backlog (256), -T  libmilter I/O timeout in seconds (60)
 *
 * SIGTERM/SIGINT stop it the libmilter way (which takes up to 5 seconds:
 * the listener checks for shutdown every MI_CHK_TIME).  SIGUSR1 makes it
 * print "null-milter: N messages" on stderr and exit at once, which is what
 * the benchmark scripts use (a unix socket file is then left behind).
 *
 * Over inet sockets TCP_NODELAY is set on the listening socket (accepted
 * connections inherit it); see PLATFORM-NOTES (Nagle + delayed ACK).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int opt_noreply;
static atomic_long n_messages;
static atomic_long n_bytes;

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
	    SMFIP_NORCPT | SMFIP_NOUNKNOWN;

	(void) ctx;
	(void) f0;
	(void) f2;
	(void) f3;
	if (opt_noreply)
		want |= SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_EOH |
		    SMFIP_NR_BODY;
	*pf0 = 0;		/* no modifications */
	*pf1 = want & f1;	/* only what the MTA offered */
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_reply(void)
{
	return opt_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
nm_data(SMFICTX *ctx)
{
	(void) ctx;
	return nm_reply();
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void) ctx;
	atomic_fetch_add_explicit(&n_bytes, (long) (strlen(name) +
	    strlen(value)), memory_order_relaxed);
	return nm_reply();
}

static sfsistat
nm_eoh(SMFICTX *ctx)
{
	(void) ctx;
	return nm_reply();
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void) ctx;
	(void) chunk;
	atomic_fetch_add_explicit(&n_bytes, (long) len, memory_order_relaxed);
	return nm_reply();
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	(void) ctx;
	atomic_fetch_add_explicit(&n_messages, 1, memory_order_relaxed);
	return SMFIS_ACCEPT;
}

static sfsistat
nm_abort(SMFICTX *ctx)
{
	(void) ctx;
	return SMFIS_CONTINUE;
}

static void
quick_exit_handler(int sig)
{
	char buf[64], num[24];
	long n = atomic_load(&n_messages);
	int k = 0, j = 0;

	(void) sig;
	do {
		num[k++] = (char) ('0' + n % 10);
		n /= 10;
	} while (n > 0 && k < (int) sizeof num);
	static const char pre[] = "null-milter: ";
	static const char post[] = " messages\n";
	for (size_t i = 0; i < sizeof pre - 1; i++)
		buf[j++] = pre[i];
	while (k > 0)
		buf[j++] = num[--k];
	for (size_t i = 0; i < sizeof post - 1; i++)
		buf[j++] = post[i];
	(void) !write(2, buf, (size_t) j);
	_exit(0);
}

/*
 * libmilter does not hand out its listening socket: find it among our file
 * descriptors (a listening TCP socket) and set TCP_NODELAY, which accepted
 * connections inherit on Linux.
 */
static int
set_listen_nodelay(void)
{
	int done = 0;
	long maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	for (int fd = 0; fd < maxfd; fd++) {
		int acc = 0, dom = 0, type = 0;
		socklen_t l = sizeof acc;
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 ||
		    !acc)
			continue;
		l = sizeof dom;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0 ||
		    (dom != AF_INET && dom != AF_INET6))
			continue;
		l = sizeof type;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ||
		    type != SOCK_STREAM)
			continue;
		int one = 1;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one) == 0)
			done++;
	}
	return done;
}

static void
usage(void)
{
	fprintf(stderr, "usage: null-milter -p SOCKET [-f] [-r] "
	    "[-b BACKLOG] [-T SECS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int foreground = 0, backlog = 256, timeout = 60;
	int ch;

	while ((ch = getopt(argc, argv, "p:frb:T:")) != -1) {
		switch (ch) {
		case 'p': sock = optarg; break;
		case 'f': foreground = 1; break;
		case 'r': opt_noreply = 1; break;
		case 'b': backlog = atoi(optarg); break;
		case 'T': timeout = atoi(optarg); break;
		default: usage();
		}
	}
	if (sock == NULL || optind != argc || backlog < 1 || timeout < 1)
		usage();

	struct smfiDesc desc;
	memset(&desc, 0, sizeof desc);
	desc.xxfi_name = "null-milter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = 0;
	desc.xxfi_header = nm_header;
	desc.xxfi_eoh = nm_eoh;
	desc.xxfi_body = nm_body;
	desc.xxfi_eom = nm_eom;
	desc.xxfi_abort = nm_abort;
	desc.xxfi_data = nm_data;
	desc.xxfi_negotiate = nm_negotiate;

	if (smfi_setconn((char *) sock) == MI_FAILURE ||
	    smfi_setbacklog(backlog) == MI_FAILURE ||
	    smfi_settimeout(timeout) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "null-milter: cannot set up %s\n", sock);
		return 1;
	}
	/* remove a stale unix socket, bind and listen now */
	if (smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "null-milter: cannot open %s\n", sock);
		return 1;
	}
	if ((strncmp(sock, "inet:", 5) == 0 || strncmp(sock, "inet6:", 6) == 0)
	    && set_listen_nodelay() == 0)
		fprintf(stderr, "null-milter: warning: listening socket not "
		    "found, TCP_NODELAY not set\n");

	if (!foreground) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("null-milter: fork");
			return 1;
		}
		if (pid > 0)
			_exit(0);
		setsid();
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = quick_exit_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	int r = smfi_main();
	if (foreground)
		fprintf(stderr, "null-milter: %ld messages, %ld bytes\n",
		    atomic_load(&n_messages), atomic_load(&n_bytes));
	return r == MI_SUCCESS ? 0 : 1;
}
