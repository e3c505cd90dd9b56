/*
 * run.h — runs the acidb shell binary as a child process for scenario tests.
 *
 * The binary is $ACIDB_BIN, else the `acidb` next to this suite's build directory
 * (build/tests/shell -> build/acidb, build/asan/tests/shell -> build/asan/acidb), so each
 * build variant tests its own shell.
 */
#ifndef ACIDB_TESTS_SHELL_RUN_H
#define ACIDB_TESTS_SHELL_RUN_H

typedef struct sh_run {
    int status;  /* exit status, or 128+signal */
    char *out;   /* standard output */
    char *err;   /* standard error */
} sh_run;

extern char sh_dir[128], sh_db[160];

/* A fresh temporary directory (the child's working directory) with a database path in it. */
void sh_setup(void);
void sh_teardown(void);

/* Runs the shell with args (NULL-terminated) and `input` on standard input (NULL: empty). */
sh_run run_shell(const char *input, const char *const *args);
void run_free(sh_run *r);
/* Writes text to a file in sh_dir; returns its path (static buffer, one at a time). */
const char *sh_file(const char *name, const char *text);
/* Reads a file of sh_dir (caller frees). */
char *sh_read(const char *name);

#endif
