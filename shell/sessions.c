/*
 * sessions.c — several sessions side by side, each a connection with its own worker thread.
 *
 * Why threads: a statement that waits for a row lock blocks inside acidb_step until the lock
 * is granted. If the shell ran it on its own thread the terminal would freeze, and the user
 * could never switch to the session holding the lock to COMMIT it. So every session runs its
 * statements on its worker; the main thread hands a job over, then waits until the job is
 * done — or until it sees, in the lock table (acidb_locks), that the job's transaction has
 * been waiting for a lock for a moment (BLOCKED_AFTER). Then it says who waits for whom and
 * gives the prompt back; the result is printed when it arrives, labelled with the session.
 *
 * Determinism for scripts: a statement sent to a session that is still blocked queues behind
 * it (each worker runs its jobs in order), and `.wait NAME` waits until it is idle, so a
 * script's output does not depend on timing as long as it .waits for what it sent.
 *
 * Which transaction is the job's? A session idle inside BEGIN ... COMMIT has a transaction id
 * (acidb_txn_id, cached by the worker after every job, on its own thread as the API's thread
 * rule requires). An autocommit statement's transaction starts inside the job, so its id is
 * not known from outside: a waiting transaction that belongs to no other session is then
 * taken to be it (the main thread waits for one job at a time, so there is one candidate).
 *
 * Locking: sh.mu protects the session fields marked (sh.mu) in shell.h; sh.cv is broadcast
 * whenever a job is queued or finishes or a worker must quit. Workers block SIGINT so that
 * Ctrl-C reaches the main thread, which turns it into acidb_interrupt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shell.h"

#define BLOCKED_AFTER 0.1 /* seconds a lock wait must last before the shell reports it */
#define NO_LOCK_INFO_AFTER 0.5 /* without acidb_locks: seconds before assuming a lock wait */

static int notify_fd[2] = {-1, -1};

int sess_notify_fd(void) { return notify_fd[0]; }

void sess_drain_notify(void)
{
    char buf[64];
    while (read(notify_fd[0], buf, sizeof buf) > 0) {
    }
}


/* Adds the session's name after each "transaction N" of a lock error's message, so that a
 * deadlock's story reads in the names the user gave. Runs on the worker as soon as the
 * statement fails, while the other transactions of the story are still open. */
static void name_transactions(sh_result *r)
{
    char *out = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&out, &n);
    if (m == NULL || r->err == NULL) {
        if (m)
            fclose(m), free(out);
        return;
    }
    const char *p = r->err, *key = "transaction ";
    while (*p) {
        const char *q = strstr(p, key);
        if (q == NULL) {
            fputs(p, m);
            break;
        }
        q += strlen(key);
        char *end;
        unsigned long long id = strtoull(q, &end, 10);
        fwrite(p, 1, (size_t)(end - p), m);
        session *o = end > q ? sess_by_txn(id) : NULL;
        if (o != NULL)
            fprintf(m, " (session %s)", o->name);
        p = end;
    }
    fclose(m);
    free(r->err);
    r->err = out;
}

static void *worker(void *arg)
{
    session *s = arg;
    pthread_mutex_lock(&sh.mu);
    for (;;) {
        while (!s->quit && s->queue == NULL)
            pthread_cond_wait(&sh.cv, &sh.mu);
        if (s->queue == NULL)
            break;
        sh_job *j = s->queue;
        s->queue = j->next;
        if (s->queue == NULL)
            s->queue_tail = NULL;
        s->running = j;
        s->started = sh_now();
        pthread_mutex_unlock(&sh.mu);

        int failed = 0;
        sh_result *r = res_run(s->conn, j->sql, j->line, j->bail, &failed);
        for (sh_result *q = r; q; q = q->next)
            if (q->rc == ACIDB_DEADLOCK || q->rc == ACIDB_LOCK_TIMEOUT)
                name_transactions(q);
        int state = acidb_txn_state(s->conn);
        uint64_t id = acidb_txn_id(s->conn);

        pthread_mutex_lock(&sh.mu);
        if (r != NULL) {
            if (s->done_tail)
                s->done_tail->next = r;
            else
                s->done = r;
            while (r->next)
                r = r->next;
            s->done_tail = r;
        }
        s->failed += failed;
        s->txn_state = state;
        s->txn_id = state == 'I' ? 0 : id;
        s->running = NULL;
        free(j->sql);
        free(j);
        pthread_cond_broadcast(&sh.cv);
        if (write(notify_fd[1], "x", 1) < 0) {
            /* the pipe is full: the main thread has wake-ups pending anyway */
        }
    }
    pthread_mutex_unlock(&sh.mu);
    return NULL;
}

session *sess_find(const char *name)
{
    for (int i = 0; i < sh.nsessions; i++)
        if (strcmp(sh.sessions[i]->name, name) == 0)
            return sh.sessions[i];
    return NULL;
}

session *sess_create(const char *name)
{
    if (sh.db == NULL) {
        fprintf(stderr, "no database is open: use .open FILE\n");
        return NULL;
    }
    if (sh.nsessions == (int)(sizeof sh.sessions / sizeof sh.sessions[0])) {
        fprintf(stderr, "too many sessions (at most %d)\n", sh.nsessions);
        return NULL;
    }
    if (notify_fd[0] < 0) {
        if (pipe(notify_fd) != 0)
            return NULL;
        fcntl(notify_fd[0], F_SETFL, O_NONBLOCK);
        fcntl(notify_fd[1], F_SETFL, O_NONBLOCK);
        fcntl(notify_fd[0], F_SETFD, FD_CLOEXEC);
        fcntl(notify_fd[1], F_SETFD, FD_CLOEXEC);
    }
    session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->txn_state = 'I';
    int rc = acidb_connect(sh.db, &s->conn);
    if (rc != ACIDB_OK) {
        fprintf(stderr, "ERROR:  cannot open a session: %s\n", acidb_errstr(rc));
        free(s);
        return NULL;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* the worker inherits the mask: signals go to main */
    rc = pthread_create(&s->thread, NULL, worker, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        acidb_disconnect(s->conn);
        free(s);
        fprintf(stderr, "ERROR:  cannot start a thread for the session\n");
        return NULL;
    }
    sh.sessions[sh.nsessions++] = s;
    return s;
}

int sess_idle(session *s)
{
    pthread_mutex_lock(&sh.mu);
    int idle = s->queue == NULL && s->running == NULL;
    pthread_mutex_unlock(&sh.mu);
    return idle;
}

int sess_state(session *s)
{
    pthread_mutex_lock(&sh.mu);
    int st = s->txn_state;
    pthread_mutex_unlock(&sh.mu);
    return st;
}

session *sess_by_txn(uint64_t txn)
{
    if (txn == 0)
        return NULL;
    pthread_mutex_lock(&sh.mu);
    session *found = NULL;
    for (int i = 0; i < sh.nsessions && !found; i++)
        if (sh.sessions[i]->txn_id == txn || sh.sessions[i]->blocked_txn == txn)
            found = sh.sessions[i];
    pthread_mutex_unlock(&sh.mu);
    return found;
}

/* ---- is it waiting for a lock? ---------------------------------------------------------- */

typedef struct wait_entry {
    uint64_t txn, blocker;
    double seconds;
    char what[200];
} wait_entry;

typedef struct wait_list {
    wait_entry e[32];
    int n;
} wait_list;

static void collect_waits(void *ctx, const acidb_lock_info *l)
{
    wait_list *w = ctx;
    if (!l->waiting || w->n == (int)(sizeof w->e / sizeof w->e[0]))
        return;
    wait_entry *e = &w->e[w->n++];
    e->txn = l->txn;
    e->blocker = l->nblockers > 0 ? l->blockers[0] : 0;
    e->seconds = l->seconds;
    snprintf(e->what, sizeof e->what, "%s %s (%s)", l->object ? l->object : "?",
             l->resource ? l->resource : "", l->mode ? l->mode : "?");
}

static int txn_of_other_session(uint64_t txn, const session *s)
{
    session *o = sess_by_txn(txn);
    return o != NULL && o != s;
}

/* Whether s's running job waits for a lock; if so, tells the user (once) and returns 1. */
static int sess_check_blocked(session *s)
{
    pthread_mutex_lock(&sh.mu);
    int running = s->running != NULL;
    double started = s->started;
    uint64_t known = s->txn_id;
    pthread_mutex_unlock(&sh.mu);
    if (!running)
        return 0;
    if (s->announced)
        return 1;
    wait_list w = {.n = 0};
    if (acidb_locks(sh.db, collect_waits, &w) != ACIDB_OK) {
        if (sh_now() - started < NO_LOCK_INFO_AFTER)
            return 0;
        fprintf(stderr, "session %s is still running (waiting for a lock?); its result will be "
                        "printed when it finishes\n", s->name);
        s->announced = 1;
        return 1;
    }
    const wait_entry *mine = NULL;
    for (int i = 0; i < w.n && !mine; i++)
        if (known != 0 ? w.e[i].txn == known : !txn_of_other_session(w.e[i].txn, s))
            mine = &w.e[i];
    if (mine == NULL || mine->seconds < BLOCKED_AFTER)
        return 0;
    s->blocked_txn = mine->txn;
    session *holder = sess_by_txn(mine->blocker);
    char who[64];
    if (holder != NULL && holder != s)
        snprintf(who, sizeof who, "session %s", holder->name);
    else
        snprintf(who, sizeof who, "transaction %llu", (unsigned long long)mine->blocker);
    fprintf(stderr, "session %s waits for a lock on %s held by %s\n", s->name, mine->what, who);
    s->announced = 1;
    s->async = 1;
    return 1;
}

/* ---- printing what finished -------------------------------------------------------------- */

static void sess_print_done(session *s)
{
    pthread_mutex_lock(&sh.mu);
    sh_result *r = s->done;
    int failed = s->failed;
    s->done = s->done_tail = NULL;
    s->failed = 0;
    int idle = s->queue == NULL && s->running == NULL;
    pthread_mutex_unlock(&sh.mu);
    if (r == NULL)
        return;
    char label[SH_NAME_MAX + 4] = "";
    if (sh.nsessions > 1 && (s != sh.cur || s->async))
        snprintf(label, sizeof label, "[%s] ", s->name);
    sh_print_results(r, label);
    for (sh_result *q = r; q; q = q->next)
        if (q->rc == ACIDB_DEADLOCK)
            fprintf(stderr, "%ssession %s was chosen as the deadlock victim: its transaction "
                            "was rolled back (retry it)\n", label, s->name);
    res_free_list(r);
    sh.errors += failed;
    if (failed && sh.bail)
        sh.stop = 1;
    if (idle) {
        s->blocked_txn = 0;
        s->announced = 0;
        s->async = 0;
    }
}

void sess_flush_all(void)
{
    for (int i = 0; i < sh.nsessions; i++) {
        session *s = sh.sessions[i];
        sess_print_done(s);
        if (!sess_idle(s) && s->async)
            sess_check_blocked(s); /* a queued job may have started and blocked */
    }
}

/* ---- waiting ----------------------------------------------------------------------------- */

static void timed_wait_ms(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&sh.mu);
    pthread_cond_timedwait(&sh.cv, &sh.mu, &ts);
    pthread_mutex_unlock(&sh.mu);
}

static void sess_cancel(session *s)
{
    pthread_mutex_lock(&sh.mu);
    sh_job *j = s->queue;
    s->queue = s->queue_tail = NULL;
    int running = s->running != NULL;
    pthread_mutex_unlock(&sh.mu);
    while (j) {
        sh_job *n = j->next;
        free(j->sql);
        free(j);
        j = n;
    }
    if (running)
        acidb_interrupt(s->conn);
}

/* Waits until s is idle, or (stop_when_blocked) until it is seen waiting for a lock. */
static void sess_wait_for(session *s, int stop_when_blocked)
{
    double last_interrupt = 0;
    for (;;) {
        if (sess_idle(s))
            break;
        if (sh.interrupted) {
            sh.interrupted = 0;
            fprintf(stderr, "Cancel request sent\n");
            sess_cancel(s);
            last_interrupt = sh_now();
        } else if (last_interrupt > 0 && sh_now() - last_interrupt > 1.0) {
            acidb_interrupt(s->conn); /* the statement may have been between checks */
            last_interrupt = sh_now();
        }
        if (stop_when_blocked && sess_check_blocked(s))
            return;
        timed_wait_ms(20);
    }
    sess_flush_all();
}

void sess_submit(session *s, const char *sql, int line)
{
    sh_job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->sql = strdup(sql)) == NULL) {
        free(j);
        fprintf(stderr, "ERROR:  out of memory\n");
        return;
    }
    j->line = line;
    j->bail = sh.bail;
    pthread_mutex_lock(&sh.mu);
    int busy = s->queue != NULL || s->running != NULL;
    if (s->queue_tail)
        s->queue_tail->next = j;
    else
        s->queue = j;
    s->queue_tail = j;
    pthread_cond_broadcast(&sh.cv);
    pthread_mutex_unlock(&sh.mu);
    if (busy && s->announced) {
        fprintf(stderr, "session %s is waiting: the statement is queued behind it\n", s->name);
        return;
    }
    sess_wait_for(s, 1);
}

void sess_wait(session *s)
{
    sess_wait_for(s, 0);
}

/* ---- listing and closing ----------------------------------------------------------------- */

static const char *state_text(int st)
{
    return st == 'T' ? "in transaction" : st == 'E' ? "in failed transaction" : "no transaction";
}

void sess_list(FILE *f)
{
    for (int i = 0; i < sh.nsessions; i++) {
        session *s = sh.sessions[i];
        pthread_mutex_lock(&sh.mu);
        int st = s->txn_state, running = s->running != NULL, queued = 0;
        double since = running ? sh_now() - s->started : 0;
        uint64_t id = s->txn_id;
        for (sh_job *j = s->queue; j; j = j->next)
            queued++;
        pthread_mutex_unlock(&sh.mu);
        fprintf(f, "%s %-8s %s", s == sh.cur ? "*" : " ", s->name, state_text(st));
        if (id)
            fprintf(f, " (transaction %llu)", (unsigned long long)id);
        if (running)
            fprintf(f, ", %s for %.1f s", s->announced ? "waiting for a lock" : "running", since);
        if (queued)
            fprintf(f, ", %d queued", queued);
        fputc('\n', f);
    }
}

static void sess_free(session *s, int named)
{
    pthread_mutex_lock(&sh.mu);
    s->quit = 1;
    pthread_cond_broadcast(&sh.cv);
    pthread_mutex_unlock(&sh.mu);
    pthread_join(s->thread, NULL);
    int st = s->txn_state;
    if (st != 'I' && named)
        fprintf(stderr, "session %s: rolling back the open transaction\n", s->name);
    else if (st != 'I')
        fprintf(stderr, "rolling back the open transaction\n");
    acidb_disconnect(s->conn);
    res_free_list(s->done);
    free(s);
}

void sess_close_all(void)
{
    int named = sh.nsessions > 1;
    for (int i = 0; i < sh.nsessions; i++)
        sess_cancel(sh.sessions[i]); /* drops queues, interrupts running statements */
    /* Idle sessions first: rolling them back releases the locks the others wait for. */
    while (sh.nsessions > 0) {
        int closed = 0;
        for (int i = 0; i < sh.nsessions; i++) {
            session *s = sh.sessions[i];
            if (!sess_idle(s))
                continue;
            sess_print_done(s);
            sess_free(s, named);
            sh.sessions[i] = sh.sessions[--sh.nsessions];
            if (sh.cur == s)
                sh.cur = NULL;
            closed = 1;
            i--;
        }
        if (!closed) {
            for (int i = 0; i < sh.nsessions; i++)
                acidb_interrupt(sh.sessions[i]->conn);
            timed_wait_ms(50);
        }
    }
    sh.cur = NULL;
}
