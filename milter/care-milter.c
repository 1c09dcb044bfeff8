/*
 * care-milter - the mail filter daemon.
 *
 *   care-milter [-c FILE] [-f] [-n] [-V] [-p SOCKET]
 *
 * -c the configuration (default /etc/care-milter/care-milter.conf);
 * -f stay in the foreground and log to stderr; -n check the
 * configuration and every rule, print each error as FILE:LINE: message
 * and exit 0 when all is valid, 1 otherwise; -V print the version;
 * -p use this socket instead of the configuration's Socket.
 *
 * Start-up order matters: the configuration and rules are loaded and
 * the socket opened while errors can still reach the terminal, then the
 * process detaches, drops privileges, and only then starts threads.
 *
 * Signals: libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM
 * and SIGINT and treats SIGHUP as "stop".  This file defines sigwait()
 * itself (below): libmilter's call resolves to it, and it leaves those
 * three signals out of the set, so libmilter's thread never takes them.
 * smfi_main() runs in a second thread; this main thread keeps the
 * signals unblocked with handlers that only write to a pipe.  SIGHUP and
 * SIGUSR1 reload the configuration and rules (a broken new set is
 * reported and the old one stays); SIGTERM and SIGINT stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "milter.h"

#ifndef CARE_SYSCONFDIR
#define CARE_SYSCONFDIR "/etc/care-milter"
#endif

static int sig_pipe[2] = {-1, -1};
static volatile int listener_done;
static volatile int listener_failed;

/*
 * The process's sigwait(), which libmilter's signal thread calls: the
 * signals this file handles are taken out of the set, so they always
 * reach the main thread's handlers.  Nothing else here uses sigwait().
 */
int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t s = *set;
	int r;

	sigdelset(&s, SIGHUP);
	sigdelset(&s, SIGTERM);
	sigdelset(&s, SIGINT);
	sigdelset(&s, SIGUSR1);
	/* Nothing left to wait for (libmilter's case): sleep for good.  An
	 * error returned here would make libmilter abort the filter. */
	if (sigisemptyset(&s))
		for (;;)
			pause();
	do
		r = sigwaitinfo(&s, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno;
	*sig = r;
	return 0;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: care-milter [-c FILE] [-f] [-n] [-V] [-p SOCKET]\n"
	    "  -c FILE    configuration (default " CARE_SYSCONFDIR "/care-milter.conf)\n"
	    "  -f         foreground, log to stderr\n"
	    "  -n         check the configuration and rules, then exit\n"
	    "  -p SOCKET  listen here instead of Socket (unix:/path, inet:port@host)\n"
	    "  -V         print the version\n");
}

static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static void
log_error(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_LEVEL_ERR, "%s", msg);
}

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a signal is already pending */
	}
	errno = saved;
}

static int
install_signals(void)
{
	struct sigaction sa;
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1};
	sigset_t set;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
		sigaddset(&set, sigs[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit (LimitFSIZE=) must fail a journal write, which
	 * is logged and lets mail go on, not kill the filter. */
	signal(SIGXFSZ, SIG_IGN);
	return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* libmilter does not hand out its listening socket; find it. */
static void
set_nodelay(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		int v, one = 1;
		socklen_t l = sizeof(v);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) < 0 || !v)
			continue;
		l = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 ||
		    (v != AF_INET && v != AF_INET6))
			continue;
		/* Accepted connections inherit it: no 40 ms Nagle stalls. */
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			log_msg(LOG_LEVEL_WARNING, "TCP_NODELAY: %s", strerror(errno));
	}
}

static const char *
unix_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	if (sock[0] == '/')
		return sock;
	return NULL;
}

static int
socket_permissions(const struct config *cf, const char *sock)
{
	const char *path = unix_path(sock);

	if (path == NULL)
		return 0;
	if (cf->socket_mode && chmod(path, cf->socket_mode) < 0) {
		log_msg(LOG_LEVEL_ERR, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	if (cf->socket_group) {
		struct group *gr = getgrnam(cf->socket_group);

		if (gr == NULL || chown(path, (uid_t)-1, gr->gr_gid) < 0) {
			log_msg(LOG_LEVEL_ERR, "SocketGroup %s: %s", cf->socket_group,
			    gr ? strerror(errno) : "no such group");
			return -1;
		}
	}
	return 0;
}

/* UserID user[:group]: drop root for good, once the socket is open. */
static int
drop_privileges(const char *spec)
{
	char *user = xstrdup(spec), *group = strchr(user, ':');
	struct passwd *pw;
	gid_t gid;
	int rc = -1;

	if (group)
		*group++ = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "UserID: no such user %s", user);
		goto out;
	}
	gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);

		if (gr == NULL) {
			log_msg(LOG_LEVEL_ERR, "UserID: no such group %s", group);
			goto out;
		}
		gid = gr->gr_gid;
	}
	if (getuid() == pw->pw_uid && getgid() == gid) {
		rc = 0;
		goto out;
	}
	if (initgroups(pw->pw_name, gid) < 0 || setgid(gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		log_msg(LOG_LEVEL_ERR, "UserID %s: %s", spec, strerror(errno));
		goto out;
	}
	/* Make sure there is no way back. */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		log_msg(LOG_LEVEL_ERR, "UserID %s: could regain root", spec);
		goto out;
	}
	rc = 0;
out:
	free(user);
	return rc;
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (chdir("/") < 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static int
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "w")) == NULL) {
		log_msg(LOG_LEVEL_ERR, "PidFile %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	return fclose(fp) == 0 ? 0 : -1;
}

static void *
listener_main(void *arg)
{
	(void)arg;
	if (smfi_main() != MI_SUCCESS) {
		log_msg(LOG_LEVEL_ERR, "libmilter stopped with an error");
		listener_failed = 1;
	}
	listener_done = 1;
	on_signal(0);		/* wake the main loop */
	return NULL;
}

static void
reload(const char *path)
{
	struct engine *e = engine_load(path, log_error, NULL);

	if (e == NULL) {
		log_msg(LOG_LEVEL_ERR, "reload failed: the previous configuration "
		    "and rules stay in force");
		return;
	}
	log_set_level((enum log_level)e->cf->log_level);
	log_msg(LOG_LEVEL_NOTICE, "reloaded %s: %zu rules", path, rules_count(e->rs));
	milter_engine_set(e);
}

/* Wait for signals until told to stop or libmilter ends. */
static void
main_loop(const char *path)
{
	for (;;) {
		struct pollfd p = {sig_pipe[0], POLLIN, 0};
		unsigned char sig;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		while (read(sig_pipe[0], &sig, 1) == 1) {
			if (sig == SIGHUP || sig == SIGUSR1)
				reload(path);
			else if (sig == SIGTERM || sig == SIGINT) {
				log_msg(LOG_LEVEL_NOTICE, "stopping on signal %d", sig);
				return;
			}
		}
		if (listener_done)
			return;
	}
}

int
main(int argc, char **argv)
{
	const char *path = CARE_SYSCONFDIR "/care-milter.conf", *sock = NULL;
	int c, foreground = 0, check_only = 0;

	while ((c = getopt(argc, argv, "c:fnp:Vh")) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 'p': sock = optarg; break;
		case 'V': printf("care-milter %s\n", CARE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_open("care-milter", 0, 0, 1);
	struct engine *e = engine_load(path, print_error, NULL);

	if (check_only) {
		if (e)
			printf("%s: OK, %zu rules\n", path, rules_count(e->rs));
		engine_unref(e);
		return e ? 0 : 1;
	}
	if (e == NULL)
		return 1;
	struct config *cf = e->cf;

	if (sock == NULL)
		sock = cf->socket;
	sock = xstrdup(sock);
	log_set_level((enum log_level)cf->log_level);
	if (smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_settimeout(cf->timeout) != MI_SUCCESS ||
	    smfi_setbacklog(cf->backlog) != MI_SUCCESS || milter_register() < 0) {
		fprintf(stderr, "care-milter: bad socket %s\n", sock);
		return 1;
	}
	/* Handlers first: a reload signal sent as soon as the socket
	 * listens must not kill the process with the default action. */
	if (install_signals() < 0) {
		fprintf(stderr, "care-milter: signals: %s\n", strerror(errno));
		return 1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "care-milter: cannot open socket %s\n", sock);
		return 1;
	}
	set_nodelay();
	if (socket_permissions(cf, sock) < 0)
		return 1;
	if (!foreground && daemonize() < 0) {
		fprintf(stderr, "care-milter: cannot detach: %s\n", strerror(errno));
		return 1;
	}
	log_open("care-milter", !foreground && cf->syslog, cf->syslog_facility, foreground);
	if (write_pidfile(cf->pid_file) < 0 && !foreground)
		return 1;
	if (cf->user && drop_privileges(cf->user) < 0)
		return 1;
	struct journal *jr = cf->journal ? journal_open(cf->journal, cf->retention_days) : NULL;

	if (cf->journal && jr == NULL)
		log_msg(LOG_LEVEL_WARNING, "journal %s unavailable: verdicts are "
		    "logged but not recorded", cf->journal);
	/* The engine belongs to the milter from here: a reload may free
	 * it, so keep copies of what is needed at exit. */
	char *pid_file = cf->pid_file ? xstrdup(cf->pid_file) : NULL;
	size_t nrules = rules_count(e->rs);

	milter_journal_set(jr);
	milter_engine_set(e);
	/* Threads only from here on: libmilter's inherit SIGHUP etc. blocked
	 * by smfi_main itself, ours stay with the main thread. */
	pthread_t listener;

	if (pthread_create(&listener, NULL, listener_main, NULL) != 0) {
		log_msg(LOG_LEVEL_ERR, "cannot start the listener thread");
		return 1;
	}
	log_msg(LOG_LEVEL_NOTICE, "care-milter %s listening on %s, %zu rules",
	    CARE_VERSION, sock, nrules);
	main_loop(path);
	if (listener_done && !listener_failed) {
		/* libmilter stopped without being asked: not a clean stop. */
		log_msg(LOG_LEVEL_ERR, "libmilter stopped on its own");
		listener_failed = 1;
	}
	smfi_stop();
	pthread_join(listener, NULL);
	milter_journal_set(NULL);
	journal_close(jr);
	if (pid_file)
		unlink(pid_file);
	free(pid_file);
	milter_shutdown();
	free((char *)sock);
	log_msg(LOG_LEVEL_NOTICE, "stopped");
	/* A listener that died on its own is a failure: let systemd's
	 * Restart=on-failure bring the filter back. */
	return listener_failed ? 1 : 0;
}
