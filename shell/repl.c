/*
 * repl.c — reading commands: the interactive readline loop and scripts.
 *
 * A line that starts with '.' (when no statement is pending) is a dot-command; `@NAME` at the
 * start of a statement sends it to session NAME without switching to it. Everything else is
 * SQL, accumulated until the engine's own lexer says the text no longer ends inside a
 * statement (acidb_complete: a ';' after the last token, and not inside a string, a quoted
 * identifier or a block comment) — the same rule whether typed or read from a file.
 *
 * The interactive loop uses readline's callback interface rather than readline(): the main
 * thread must also wake up when a session's statement finishes in the background (a byte on
 * the sessions' notify pipe) to print its result above the prompt, and for Ctrl-C, which
 * arrives through a self-pipe. Ctrl-C cancels the line being typed; while a statement runs it
 * becomes acidb_interrupt (sessions.c). Ctrl-D leaves, rolling back open transactions.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "shell.h"

static char *buf;          /* the pending statement */
static size_t len, cap;
static int start_line;
static session *target;    /* @NAME, or NULL for the current session */

const char *sh_where(char *w, size_t n, int line)
{
    if (sh.src == NULL || line <= 0)
        snprintf(w, n, "%s", "");
    else
        snprintf(w, n, "acidb:%s:%d: ", sh.src, line);
    return w;
}

void sh_print_results(sh_result *r, const char *label)
{
    for (; r; r = r->next) {
        if (r->rc != ACIDB_OK) {
            char where[300];
            fflush(sh.out);
            res_print_error(stderr, r, sh_where(where, sizeof where, r->line), label);
            continue;
        }
        if (label[0] == 0) {
            out_result(sh.out, r);
        } else { /* every line carries the session's name */
            char *text = NULL;
            size_t n = 0;
            FILE *m = open_memstream(&text, &n);
            if (m == NULL)
                continue;
            out_result(m, r);
            fclose(m);
            for (char *p = text; p < text + n;) {
                char *nl = memchr(p, '\n', (size_t)(text + n - p));
                size_t l = nl ? (size_t)(nl - p) : (size_t)(text + n - p);
                fprintf(sh.out, "%s%.*s\n", l ? label : "", (int)l, p);
                p += l + 1;
            }
            free(text);
        }
        if (sh.timer)
            fprintf(stdout, "%sTime: %.3f ms\n", label, r->seconds * 1000.0);
    }
    fflush(sh.out);
    if (sh.once && sh.out != stdout) {
        fclose(sh.out);
        sh.out = stdout;
        sh.once = 0;
    }
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

static int append(const char *s)
{
    size_t n = strlen(s);
    if (len + n + 2 > cap) {
        size_t c = (len + n + 2) * 2;
        char *b = realloc(buf, c);
        if (b == NULL)
            return -1;
        buf = b;
        cap = c;
    }
    memcpy(buf + len, s, n);
    len += n;
    buf[len++] = '\n';
    buf[len] = 0;
    return 0;
}

static void run_pending(void)
{
    session *s = target ? target : sh.cur;
    if (sh.interactive) {
        while (len > 0 && buf[len - 1] == '\n')
            buf[--len] = 0;
        add_history(buf);
    }
    if (s == NULL) {
        fprintf(stderr, "ERROR:  no database is open: use .open FILE\n");
        sh.errors++;
        if (sh.bail)
            sh.stop = 1;
    } else {
        sess_submit(s, buf, start_line);
        sess_flush_all();
    }
    len = 0;
    if (buf)
        buf[0] = 0;
    target = NULL;
}

void repl_feed_line(const char *line, int lineno)
{
    if (len == 0) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '.') {
            if (sh.interactive)
                add_history(line);
            if (dot_run(p, lineno) != 0) {
                sh.errors++;
                if (sh.bail)
                    sh.stop = 1;
            }
            return;
        }
        if (*p == '@') {
            char name[SH_NAME_MAX];
            size_t n = strcspn(p + 1, " \t");
            snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
            target = sess_find(name);
            if (target == NULL) {
                fprintf(stderr, "ERROR:  no session named \"%s\" (see .sessions)\n", name);
                sh.errors++;
                if (sh.bail)
                    sh.stop = 1;
                return;
            }
            line = p + 1 + n;
        }
        if (blank(line)) {
            if (target != NULL) /* "@B" alone: the statement follows on the next lines */
                return;
            return;
        }
        start_line = lineno;
    }
    if (append(line) != 0) {
        fprintf(stderr, "ERROR:  out of memory\n");
        return;
    }
    if (acidb_complete(buf))
        run_pending();
}

void repl_feed_end(void)
{
    if (len > 0 && !blank(buf))
        run_pending(); /* an unterminated last statement still runs (the engine judges it) */
    len = 0;
    target = NULL;
}

int repl_run_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "ERROR:  cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *old_src = sh.src;
    int old_interactive = sh.interactive;
    sh.src = path;
    sh.interactive = 0;
    repl_run_stream(f);
    fclose(f);
    sh.src = old_src;
    sh.interactive = old_interactive;
    return 0;
}

void repl_run_stream(FILE *f)
{
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    int lineno = 0;
    while (!sh.stop && (n = getline(&line, &lcap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = 0;
        repl_feed_line(line, ++lineno);
    }
    if (!sh.stop)
        repl_feed_end();
    free(line);
}

/* ---- interactive --------------------------------------------------------------------------- */

static int sig_pipe[2] = {-1, -1};
static int done;
static char prompt_buf[128];

static void on_sigint(int sig)
{
    (void)sig;
    int saved = errno;
    sh.interrupted = 1;
    if (write(sig_pipe[1], "i", 1) < 0) {
        /* already pending */
    }
    errno = saved;
}

static const char *prompt(void)
{
    session *s = sh.cur;
    char name[SH_NAME_MAX + 16] = "";
    int st = s ? sess_state(s) : 'I';
    if (s != NULL && sh.nsessions > 1)
        snprintf(name, sizeof name, "(%s%s)", s->name, sess_idle(s) ? "" : ":busy");
    char mark = len > 0 ? '-' : st == 'T' ? '*' : st == 'E' ? '!' : '=';
    snprintf(prompt_buf, sizeof prompt_buf, "acidb%s%c> ", name, mark);
    return prompt_buf;
}

static void on_line(char *line);

static void install(void)
{
    rl_callback_handler_install(prompt(), on_line);
}

static void on_line(char *line)
{
    rl_callback_handler_remove();
    if (line == NULL) { /* Ctrl-D */
        fputc('\n', stdout);
        done = 1;
        return;
    }
    static int lineno;
    repl_feed_line(line, ++lineno);
    free(line);
    if (sh.stop)
        done = 1;
    else
        install();
}

/* Prints what sessions finished in the background above the line being typed. */
static void print_async(void)
{
    int pending = 0;
    pthread_mutex_lock(&sh.mu);
    for (int i = 0; i < sh.nsessions; i++) {
        session *s = sh.sessions[i];
        pending |= s->done != NULL || (s->running != NULL && s->async && !s->announced);
    }
    pthread_mutex_unlock(&sh.mu);
    if (!pending)
        return;
    char *saved = rl_copy_text(0, rl_end);
    int point = rl_point;
    rl_set_prompt("");
    rl_replace_line("", 0);
    rl_redisplay();
    sess_flush_all();
    rl_set_prompt(prompt());
    rl_replace_line(saved ? saved : "", 0);
    rl_point = point;
    rl_forced_update_display();
    free(saved);
}

static char *history_path(void)
{
    const char *env = getenv("ACIDB_HISTORY");
    if (env != NULL)
        return strdup(env);
    const char *home = getenv("HOME");
    if (home == NULL)
        return NULL;
    char *p = malloc(strlen(home) + 32);
    if (p)
        sprintf(p, "%s/.acidb_history", home);
    return p;
}

void repl_interactive(void)
{
    if (pipe(sig_pipe) != 0)
        return;
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    rl_catch_signals = 0;
    rl_readline_name = "acidb";
    char *hist = history_path();
    using_history();
    stifle_history(2000);
    if (hist)
        read_history(hist);

    printf("acidb %s%s%s. Type .help for help, .quit or Ctrl-D to leave.\n", ACIDB_VERSION,
           sh.path ? " on " : "", sh.path ? sh.path : " (no database: .open FILE)");
    install();
    while (!done) {
        struct pollfd fds[3] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                {.fd = sig_pipe[0], .events = POLLIN},
                                {.fd = sess_notify_fd(), .events = POLLIN}};
        int nfds = sess_notify_fd() >= 0 ? 3 : 2;
        int n = poll(fds, (nfds_t)nfds, 100);
        if (n < 0 && errno != EINTR)
            break;
        if (sh.interrupted || (n > 0 && (fds[1].revents & POLLIN))) {
            char tmp[16];
            while (read(sig_pipe[0], tmp, sizeof tmp) > 0) {
            }
            if (sh.interrupted) { /* Ctrl-C at the prompt: forget the line (and statement) */
                sh.interrupted = 0;
                len = 0;
                target = NULL;
                rl_replace_line("", 0);
                rl_point = rl_end = 0;
                fputs("^C\n", stdout);
                rl_set_prompt(prompt());
                rl_on_new_line();
                rl_redisplay();
            }
        }
        if (nfds == 3 && n > 0 && (fds[2].revents & POLLIN))
            sess_drain_notify();
        print_async();
        if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP)))
            rl_callback_read_char();
    }
    rl_callback_handler_remove();
    if (hist) {
        write_history(hist);
        free(hist);
    }
}
