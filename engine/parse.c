/*
 * parse.c — sql_parse / sql_incomplete, the parser's token and error plumbing, and the DML
 * statements (SELECT, INSERT, UPDATE, DELETE, EXPLAIN). Expressions are in parse_expr.c,
 * DDL / transaction control / SET in parse_ddl.c; the grammar is in engine/grammar.md.
 *
 * Shape: recursive descent over a lazily-lexed token stream with a 4-token lookahead ring.
 * A statement is first skimmed (lx_skim) for its extent, which checks UTF-8 before any token
 * is looked at (PostgreSQL rejects bad encoding before parsing, so do we) and skips empty
 * statements; then parsed. Errors longjmp back to sql_parse (parse_int.h says why).
 */
#include "engine/parse.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/parse_int.h"
#include "engine/sqlstate.h"

/* ---- tokens ---------------------------------------------------------------------------------- */

const lx_token *ps_peek(parser *p, int k)
{
    assert(k >= 0 && k < PS_LOOK - 1); /* the ring keeps the current token plus k more */
    while (p->count <= k) {
        lx_token *t = &p->ring[(p->head + p->count) % PS_LOOK];
        if (p->after_semi) {
            /* Never lex into the next statement: its errors are not this one's. */
            memset(t, 0, sizeof *t);
            t->kind = TK_EOF;
            t->pos = (int32_t)p->lx.pos;
        } else {
            int rc = lx_next(&p->lx, t, p->err);
            if (rc != ACIDB_OK)
                longjmp(p->jb, 1);
            if (t->kind == TK_SEMI)
                p->after_semi = 1;
        }
        p->count++;
    }
    return &p->ring[(p->head + k) % PS_LOOK];
}

lx_token ps_take(parser *p)
{
    lx_token t = *ps_peek(p, 0);
    p->head = (p->head + 1) % PS_LOOK;
    p->count--;
    if (t.kind != TK_EOF)
        p->last_end = t.pos + t.len;
    return t;
}

int ps_is_kw(const lx_token *t, int kw) { return t->kind == TK_KEYWORD && t->kw == kw; }

int ps_accept_kw(parser *p, int kw)
{
    if (!ps_is_kw(ps_cur(p), kw))
        return 0;
    ps_take(p);
    return 1;
}

void ps_expect_kw(parser *p, int kw)
{
    if (!ps_accept_kw(p, kw))
        ps_syntax_error(p, ps_cur(p));
}

int ps_accept(parser *p, int kind)
{
    if (ps_cur(p)->kind != kind)
        return 0;
    ps_take(p);
    return 1;
}

void ps_expect(parser *p, int kind)
{
    if (!ps_accept(p, kind))
        ps_syntax_error(p, ps_cur(p));
}

/* ---- names ----------------------------------------------------------------------------------- */

int ps_is_colid(const lx_token *t)
{
    if (t->kind == TK_IDENT || t->kind == TK_QIDENT)
        return 1;
    if (t->kind != TK_KEYWORD)
        return 0;
    int c = lx_keyword_category(t->kw);
    return c == KWC_UNRESERVED || c == KWC_COLNAME;
}

int ps_is_bare_label(const lx_token *t)
{
    return t->kind == TK_IDENT || t->kind == TK_QIDENT ||
           (t->kind == TK_KEYWORD && lx_keyword_category(t->kw) == KWC_UNRESERVED);
}

int ps_is_label(const lx_token *t)
{
    return t->kind == TK_IDENT || t->kind == TK_QIDENT || t->kind == TK_KEYWORD;
}

const char *ps_name(parser *p, const lx_token *t)
{
    const char *s = p->sql + t->pos;
    size_t n = (size_t)t->len;
    if (t->kind == TK_QIDENT) {
        char *out = ps_alloc(p, n - 1), *o = out;
        for (size_t i = 1; i + 1 < n; i++) {
            *o++ = s[i];
            if (s[i] == '"')
                i++; /* "" */
        }
        *o = '\0';
        return out;
    }
    char *out = ps_alloc(p, n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[n] = '\0';
    return out;
}

const char *ps_colid(parser *p, int32_t *pos)
{
    const lx_token *t = ps_cur(p);
    if (!ps_is_colid(t))
        ps_syntax_error(p, t);
    if (pos)
        *pos = t->pos;
    lx_token tok = ps_take(p);
    return ps_name(p, &tok);
}

/* ---- errors and memory ----------------------------------------------------------------------- */

void ps_fail(parser *p, int code, const char *state, int32_t pos, const char *fmt, ...)
{
    char msg[SQL_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sql_err(p->err, code, state, pos, "%s", msg);
    longjmp(p->jb, 1);
}

void ps_syntax_error(parser *p, const lx_token *t)
{
    if (t->kind == TK_EOF)
        ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, (int32_t)p->len,
                "syntax error at end of input");
    /* The token as written, capped on a character boundary for very long strings. */
    int n = t->len;
    if (n > 200) {
        n = 200;
        while (n > 0 && ((unsigned char)p->sql[t->pos + n] & 0xC0) == 0x80)
            n--;
    }
    ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, t->pos, "syntax error at or near \"%.*s\"", n,
            p->sql + t->pos);
}

void *ps_alloc(parser *p, size_t n)
{
    void *m = ar_alloc(p->a, n);
    if (m == NULL)
        ps_fail(p, ACIDB_NOMEM, ERRCODE_OUT_OF_MEMORY, -1, "out of memory");
    return m;
}

void *ps_vec_push(parser *p, ps_vec *v, size_t elem)
{
    if (v->n == v->cap) {
        if (v->cap > INT_MAX / 2)
            ps_fail(p, ACIDB_TOOBIG, ERRCODE_PROGRAM_LIMIT_EXCEEDED, ps_cur(p)->pos,
                    "too many list elements");
        int cap = v->cap ? v->cap * 2 : 4;
        void *a = ps_alloc(p, (size_t)cap * elem);
        if (v->n)
            memcpy(a, v->a, (size_t)v->n * elem);
        v->a = a;
        v->cap = cap;
    }
    return (char *)v->a + (size_t)v->n++ * elem;
}

void *ps_vec_finish(parser *p, const ps_vec *v, size_t elem)
{
    if (v->n == 0)
        return NULL;
    void *a = ps_alloc(p, (size_t)v->n * elem);
    memcpy(a, v->a, (size_t)v->n * elem);
    return a;
}

/* ---- SELECT ---------------------------------------------------------------------------------- */

/* target { , target }: `*`, `t.*`, or expr [[AS] label]. Also RETURNING's list. */
static void p_targets(parser *p, sql_target **out, int *n)
{
    ps_vec v = {0};
    do {
        sql_target *tg = ps_vec_push(p, &v, sizeof *tg);
        const lx_token *t = ps_cur(p);
        tg->pos = t->pos;
        if (t->kind == TK_STAR) {
            ps_take(p);
        } else if (ps_is_colid(t) && ps_peek(p, 1)->kind == TK_DOT &&
                   ps_peek(p, 2)->kind == TK_STAR) {
            tg->star_table = ps_colid(p, NULL);
            ps_take(p);
            ps_take(p);
        } else {
            tg->e = ps_a_expr(p);
            if (ps_accept_kw(p, KW_AS)) {
                lx_token l = ps_take(p);
                if (!ps_is_label(&l))
                    ps_syntax_error(p, &l);
                tg->alias = ps_name(p, &l);
            } else if (ps_is_bare_label(ps_cur(p))) {
                lx_token l = ps_take(p);
                tg->alias = ps_name(p, &l);
            }
        }
    } while (ps_accept(p, TK_COMMA));
    *out = v.a;
    *n = v.n;
}

/* name [[AS] alias]; `except_kw` is a keyword that may not be a bare alias here (UPDATE t SET). */
static const char *p_table_alias(parser *p, int except_kw)
{
    if (ps_accept_kw(p, KW_AS))
        return ps_colid(p, NULL);
    const lx_token *t = ps_cur(p);
    if (ps_is_bare_label(t) && !ps_is_kw(t, except_kw))
        return ps_colid(p, NULL);
    return NULL;
}

static void p_from_item(parser *p, sql_from *f)
{
    f->table = ps_colid(p, &f->pos);
    f->alias = p_table_alias(p, KW_NONE);
}

static void p_from(parser *p, sql_select *s)
{
    ps_vec v = {0};
    p_from_item(p, ps_vec_push(p, &v, sizeof(sql_from)));
    for (;;) {
        const lx_token *t = ps_cur(p);
        if (t->kind == TK_COMMA) {
            ps_take(p);
            p_from_item(p, ps_vec_push(p, &v, sizeof(sql_from)));
        } else if (ps_is_kw(t, KW_JOIN) || ps_is_kw(t, KW_INNER)) {
            if (ps_accept_kw(p, KW_INNER) && !ps_is_kw(ps_cur(p), KW_JOIN))
                ps_syntax_error(p, ps_cur(p));
            ps_take(p); /* JOIN */
            sql_from *f = ps_vec_push(p, &v, sizeof *f);
            p_from_item(p, f);
            ps_expect_kw(p, KW_ON);
            f->on = ps_a_expr(p);
        } else if (ps_is_kw(t, KW_LEFT) || ps_is_kw(t, KW_RIGHT) || ps_is_kw(t, KW_FULL) ||
                   ps_is_kw(t, KW_CROSS) || ps_is_kw(t, KW_NATURAL)) {
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, t->pos,
                    "%.*s JOIN is not supported", t->len,
                    p->sql + t->pos);
        } else {
            break;
        }
    }
    s->from = v.a;
    s->nfrom = v.n;
}

static void p_expr_list(parser *p, sql_expr ***out, int *n)
{
    ps_vec v = {0};
    do {
        *(sql_expr **)ps_vec_push(p, &v, sizeof(sql_expr *)) = ps_a_expr(p);
    } while (ps_accept(p, TK_COMMA));
    *out = v.a;
    *n = v.n;
}

static void p_order_by(parser *p, sql_select *s)
{
    ps_vec v = {0};
    do {
        sql_order *o = ps_vec_push(p, &v, sizeof *o);
        o->e = ps_a_expr(p);
        if (ps_accept_kw(p, KW_DESC))
            o->desc = 1;
        else
            ps_accept_kw(p, KW_ASC);
        if (ps_accept_kw(p, KW_NULLS)) {
            if (ps_accept_kw(p, KW_FIRST))
                o->nulls = 1;
            else if (ps_accept_kw(p, KW_LAST))
                o->nulls = 2;
            else
                ps_syntax_error(p, ps_cur(p));
        }
    } while (ps_accept(p, TK_COMMA));
    s->order = v.a;
    s->norder = v.n;
}

/* LIMIT / OFFSET / FOR UPDATE|SHARE, each at most once, in any order (as PostgreSQL). */
static void p_select_tail(parser *p, sql_select *s)
{
    int have_limit = 0, have_offset = 0;
    for (;;) {
        const lx_token *t = ps_cur(p);
        int32_t pos = t->pos;
        if (ps_is_kw(t, KW_LIMIT)) {
            if (have_limit)
                ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, pos,
                        "multiple LIMIT clauses not allowed");
            have_limit = 1;
            ps_take(p);
            if (!ps_accept_kw(p, KW_ALL))
                s->limit = ps_a_expr(p);
        } else if (ps_is_kw(t, KW_OFFSET)) {
            if (have_offset)
                ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, pos,
                        "multiple OFFSET clauses not allowed");
            have_offset = 1;
            ps_take(p);
            s->offset = ps_a_expr(p);
        } else if (ps_is_kw(t, KW_FOR)) {
            if (s->lock != LOCK_NONE)
                ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, pos,
                        "more than one locking clause is not supported");
            ps_take(p);
            if (ps_accept_kw(p, KW_UPDATE))
                s->lock = LOCK_FOR_UPDATE;
            else if (ps_accept_kw(p, KW_SHARE))
                s->lock = LOCK_FOR_SHARE;
            else
                ps_syntax_error(p, ps_cur(p));
            if (ps_accept_kw(p, KW_NOWAIT)) {
                s->lockwait = LOCKWAIT_NOWAIT;
            } else if (ps_accept_kw(p, KW_SKIP)) {
                ps_expect_kw(p, KW_LOCKED);
                s->lockwait = LOCKWAIT_SKIP;
            }
        } else {
            break;
        }
    }
}

/* After SELECT. */
static sql_select *p_select(parser *p)
{
    sql_select *s = ps_alloc(p, sizeof *s);
    if (ps_accept_kw(p, KW_DISTINCT)) {
        if (ps_is_kw(ps_cur(p), KW_ON))
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, ps_cur(p)->pos,
                    "DISTINCT ON is not supported");
        s->distinct = 1;
    } else {
        ps_accept_kw(p, KW_ALL);
    }
    p_targets(p, &s->targets, &s->ntargets);
    if (ps_accept_kw(p, KW_FROM))
        p_from(p, s);
    if (ps_accept_kw(p, KW_WHERE))
        s->where = ps_a_expr(p);
    if (ps_accept_kw(p, KW_GROUP)) {
        ps_expect_kw(p, KW_BY);
        p_expr_list(p, &s->group_by, &s->ngroup);
    }
    if (ps_accept_kw(p, KW_HAVING))
        s->having = ps_a_expr(p);
    const lx_token *t = ps_cur(p);
    if (ps_is_kw(t, KW_UNION) || ps_is_kw(t, KW_INTERSECT) || ps_is_kw(t, KW_EXCEPT))
        ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, t->pos,
                "%.*s is not supported", t->len,
                p->sql + t->pos);
    if (ps_accept_kw(p, KW_ORDER)) {
        ps_expect_kw(p, KW_BY);
        p_order_by(p, s);
    }
    p_select_tail(p, s);
    return s;
}

/* ---- INSERT / UPDATE / DELETE ---------------------------------------------------------------- */

static void p_returning(parser *p, sql_target **out, int *n)
{
    if (ps_accept_kw(p, KW_RETURNING))
        p_targets(p, out, n);
}

/* VALUES (row) {, (row)}: rows of expressions or DEFAULT. One scratch vector serves every
 * row, each row is then copied to an exact-size block: 100,000 rows cost 100,000 small blocks,
 * not 100,000 doubling sequences. */
static void p_values(parser *p, sql_insert *ins)
{
    ps_vec rows = {0}, counts = {0}, row = {0};
    do {
        ps_expect(p, TK_LPAREN);
        row.n = 0;
        do {
            const lx_token *t = ps_cur(p);
            sql_expr *e = ps_is_kw(t, KW_DEFAULT) ? ps_default_mark(p, ps_take(p).pos)
                                                  : ps_a_expr(p);
            *(sql_expr **)ps_vec_push(p, &row, sizeof e) = e;
        } while (ps_accept(p, TK_COMMA));
        ps_expect(p, TK_RPAREN);
        *(sql_expr ***)ps_vec_push(p, &rows, sizeof(sql_expr **)) =
            ps_vec_finish(p, &row, sizeof(sql_expr *));
        *(int *)ps_vec_push(p, &counts, sizeof(int)) = row.n;
    } while (ps_accept(p, TK_COMMA));
    ins->rows = rows.a;
    ins->nvalues = counts.a;
    ins->nrows = rows.n;
}

static void p_insert(parser *p, sql_insert *ins)
{
    ps_expect_kw(p, KW_INTO);
    ins->table = ps_colid(p, &ins->table_pos);
    if (ps_accept(p, TK_LPAREN)) {
        ps_vec cols = {0}, pos = {0};
        do {
            int32_t *cp = ps_vec_push(p, &pos, sizeof(int32_t));
            *(const char **)ps_vec_push(p, &cols, sizeof(char *)) = ps_colid(p, cp);
        } while (ps_accept(p, TK_COMMA));
        ps_expect(p, TK_RPAREN);
        ins->cols = cols.a;
        ins->col_pos = pos.a;
        ins->ncols = cols.n;
    }
    if (ps_accept_kw(p, KW_VALUES)) {
        p_values(p, ins);
    } else if (ps_accept_kw(p, KW_SELECT)) {
        ins->select = p_select(p);
    } else if (ps_is_kw(ps_cur(p), KW_DEFAULT)) {
        ps_take(p);
        ps_expect_kw(p, KW_VALUES);
        ins->default_values = 1;
    } else {
        ps_syntax_error(p, ps_cur(p));
    }
    if (ps_is_kw(ps_cur(p), KW_ON))
        ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, ps_cur(p)->pos,
                "ON CONFLICT is not supported");
    p_returning(p, &ins->returning, &ins->nreturning);
}

static void p_update(parser *p, sql_update *u)
{
    u->table = ps_colid(p, &u->table_pos);
    u->alias = p_table_alias(p, KW_SET);
    ps_expect_kw(p, KW_SET);
    ps_vec v = {0};
    do {
        sql_set_item *it = ps_vec_push(p, &v, sizeof *it);
        it->col = ps_colid(p, &it->pos);
        ps_expect(p, TK_EQ);
        const lx_token *t = ps_cur(p);
        it->e = ps_is_kw(t, KW_DEFAULT) ? ps_default_mark(p, ps_take(p).pos) : ps_a_expr(p);
    } while (ps_accept(p, TK_COMMA));
    u->set = v.a;
    u->nset = v.n;
    if (ps_accept_kw(p, KW_WHERE))
        u->where = ps_a_expr(p);
    p_returning(p, &u->returning, &u->nreturning);
}

static void p_delete(parser *p, sql_delete *d)
{
    ps_expect_kw(p, KW_FROM);
    d->table = ps_colid(p, &d->table_pos);
    d->alias = p_table_alias(p, KW_NONE);
    if (ps_accept_kw(p, KW_WHERE))
        d->where = ps_a_expr(p);
    p_returning(p, &d->returning, &d->nreturning);
}

/* ---- statements ------------------------------------------------------------------------------ */

static sql_stmt *p_stmt(parser *p, int in_explain)
{
    const lx_token *t = ps_cur(p);
    sql_stmt *st = ps_alloc(p, sizeof *st);
    st->pos = t->pos;
    int kw = t->kind == TK_KEYWORD ? t->kw : KW_NONE;
    if (in_explain && kw != KW_SELECT && kw != KW_INSERT && kw != KW_UPDATE && kw != KW_DELETE) {
        if (kw == KW_ANALYZE || kw == KW_ANALYSE || kw == KW_VERBOSE)
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, t->pos,
                    "EXPLAIN %.*s is not supported", t->len,
                    p->sql + t->pos);
        ps_syntax_error(p, t);
    }
    switch (kw) {
    case KW_SELECT:
        ps_take(p);
        st->kind = STMT_SELECT;
        st->u.select = *p_select(p);
        break;
    case KW_INSERT:
        ps_take(p);
        st->kind = STMT_INSERT;
        p_insert(p, &st->u.insert);
        break;
    case KW_UPDATE:
        ps_take(p);
        st->kind = STMT_UPDATE;
        p_update(p, &st->u.update);
        break;
    case KW_DELETE:
        ps_take(p);
        st->kind = STMT_DELETE;
        p_delete(p, &st->u.del);
        break;
    case KW_EXPLAIN:
        ps_take(p);
        st->kind = STMT_EXPLAIN;
        st->u.explain = p_stmt(p, 1);
        break;
    case KW_CREATE:
        ps_take(p);
        ps_create(p, st);
        break;
    case KW_DROP:
        ps_take(p);
        ps_drop(p, st);
        break;
    default:
        if (kw == KW_BEGIN || kw == KW_START || kw == KW_COMMIT || kw == KW_END ||
            kw == KW_ROLLBACK || kw == KW_ABORT) {
            ps_txn(p, st);
        } else if (kw == KW_SET) {
            ps_take(p);
            ps_set(p, st);
        } else {
            ps_syntax_error(p, t);
        }
        break;
    }
    st->end = p->last_end;
    st->nparams = p->nparams;
    st->param_nodes = (sql_expr **)p->param_nodes;
    st->nparam_nodes = p->nparam_nodes;
    return st;
}

/* ---- entry points ---------------------------------------------------------------------------- */

/* The setjmp lives in its own small frame: everything it touches after a jump is behind the
 * parser pointer (in memory), so nothing can be clobbered. */
static int run_parser(parser *p, sql_stmt **out, size_t *next)
{
    if (setjmp(p->jb) != 0)
        return p->err->code; /* filled before the jump; nothing to release (the arena owns all) */
    sql_stmt *st = p_stmt(p, 0);
    const lx_token *t = ps_cur(p);
    if (t->kind == TK_SEMI)
        *next = (size_t)t->pos + 1;
    else if (t->kind == TK_EOF)
        *next = p->len;
    else
        ps_syntax_error(p, t);
    *out = st;
    return ACIDB_OK;
}

int sql_parse(const char *sql, size_t len, size_t off, arena *a, sql_stmt **out, size_t *next,
              sql_error *err)
{
    *out = NULL;
    *next = len;
    sql_err_clear(err);
    if (len > INT32_MAX - 1)
        return sql_err(err, ACIDB_TOOBIG, ERRCODE_PROGRAM_LIMIT_EXCEEDED, -1,
                       "SQL text of %zu bytes exceeds the limit of %d bytes", len,
                       INT32_MAX - 1);
    /* Skip empty statements; check the encoding of the one we will parse. */
    lx_skim_result r;
    for (;;) {
        if (off >= len)
            return ACIDB_OK;
        lx_skim(sql, len, off, &r);
        if (r.bad_utf8 >= 0) {
            char bytes[32];
            lx_bad_utf8_bytes(sql, len, (size_t)r.bad_utf8, bytes, sizeof bytes);
            return sql_err(err, ACIDB_RANGE,
                           ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, (int32_t)r.bad_utf8,
                           "invalid byte sequence for encoding \"UTF8\": %s", bytes);
        }
        if (r.tokens || r.how == LX_SKIM_OPEN)
            break;
        if (r.how == LX_SKIM_EOF)
            return ACIDB_OK;
        off = r.end + 1;
    }

    parser p;
    memset(&p, 0, sizeof p);
    p.sql = sql;
    p.len = len;
    p.a = a;
    p.err = err;
    lx_init(&p.lx, sql, len, off);
    return run_parser(&p, out, next);
}

int sql_incomplete(const char *sql, size_t len)
{
    size_t off = 0;
    lx_skim_result r;
    for (;;) {
        lx_skim(sql, len, off, &r);
        if (r.how == LX_SKIM_OPEN)
            return 1;
        if (r.how == LX_SKIM_EOF)
            return r.tokens;
        off = r.end + 1;
    }
}
