/*
 * parse_ddl.c — CREATE TABLE / CREATE INDEX / DROP, transaction control, SET.
 *
 * Checks that PostgreSQL makes in its grammar (conflicting NULL / NOT NULL, two DEFAULTs,
 * DEFAULT with an identity) are made here with its messages; everything that needs the
 * catalog (duplicate columns, a second primary key, unknown referenced tables) is the binder's.
 */
#include <string.h>

#include "engine/acidb.h"
#include "engine/parse.h"
#include "engine/parse_int.h"
#include "engine/sqlstate.h"

/* ( name {, name} ) */
static void p_name_list(parser *p, const char ***out, int32_t **pos, int *n)
{
    ps_vec names = {0}, where = {0};
    ps_expect(p, TK_LPAREN);
    do {
        int32_t *wp = ps_vec_push(p, &where, sizeof(int32_t));
        *(const char **)ps_vec_push(p, &names, sizeof(char *)) = ps_colid(p, wp);
    } while (ps_accept(p, TK_COMMA));
    ps_expect(p, TK_RPAREN);
    *out = names.a;
    if (pos)
        *pos = where.a;
    *n = names.n;
}

/* CHECK ( expr ) — the CHECK keyword is current. */
static sql_expr *p_check(parser *p)
{
    ps_expect_kw(p, KW_CHECK);
    ps_expect(p, TK_LPAREN);
    sql_expr *e = ps_a_expr(p);
    ps_expect(p, TK_RPAREN);
    return e;
}

/* ---- CREATE TABLE ---------------------------------------------------------------------------- */

static void p_column_constraints(parser *p, const char *table, sql_coldef *c)
{
    int saw_null = 0;
    for (;;) {
        const char *cname = NULL;
        int32_t cpos = ps_cur(p)->pos;
        if (ps_accept_kw(p, KW_CONSTRAINT))
            cname = ps_colid(p, NULL);
        const lx_token *t = ps_cur(p);
        int32_t pos = t->pos;
        int kw = t->kind == TK_KEYWORD ? t->kw : KW_NONE;
        switch (kw) {
        case KW_NOT:
            ps_take(p);
            ps_expect_kw(p, KW_NULL);
            if (saw_null == 2)
                goto conflict;
            saw_null = 1;
            c->not_null = 1;
            break;
        case KW_NULL:
            ps_take(p);
            if (saw_null == 1 || c->identity != IDENT_NONE)
                goto conflict;
            saw_null = 2;
            break;
        case KW_PRIMARY:
            ps_take(p);
            ps_expect_kw(p, KW_KEY);
            c->primary_key = 1;
            c->pk_name = cname;
            break;
        case KW_UNIQUE:
            ps_take(p);
            c->unique = 1;
            c->unique_name = cname;
            break;
        case KW_DEFAULT:
            ps_take(p);
            if (c->def != NULL || c->serial)
                ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, pos,
                        "multiple default values specified for column \"%s\" of table \"%s\"",
                        c->name, table);
            if (c->identity != IDENT_NONE)
                goto both;
            /* PostgreSQL's b_expr: no AND / OR / NOT / IS / LIKE without parentheses, so that
             * `DEFAULT 0 NOT NULL` means what it says. */
            if (ps_is_kw(ps_cur(p), KW_NOT))
                ps_syntax_error(p, ps_cur(p));
            c->def = ps_expr(p, PREC_CMP);
            break;
        case KW_CHECK:
            if (c->check != NULL)
                ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, pos,
                        "only one CHECK constraint per column is supported; "
                        "use a table constraint for column \"%s\"", c->name);
            c->check_pos = cname ? cpos : pos;
            c->check_name = cname;
            c->check = p_check(p);
            break;
        case KW_REFERENCES:
            ps_take(p);
            c->ref_table = ps_colid(p, NULL);
            if (ps_accept(p, TK_LPAREN)) {
                c->ref_col = ps_colid(p, NULL);
                ps_expect(p, TK_RPAREN);
            }
            c->fk_name = cname;
            break;
        case KW_GENERATED:
            ps_take(p);
            if (c->def != NULL || c->serial)
                goto both;
            if (c->identity != IDENT_NONE)
                ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, pos,
                        "multiple identity specifications for column \"%s\" of table \"%s\"",
                        c->name, table);
            if (ps_accept_kw(p, KW_ALWAYS)) {
                c->identity = IDENT_ALWAYS;
            } else {
                ps_expect_kw(p, KW_BY);
                ps_expect_kw(p, KW_DEFAULT);
                c->identity = IDENT_BY_DEFAULT;
            }
            ps_expect_kw(p, KW_AS);
            ps_expect_kw(p, KW_IDENTITY);
            if (saw_null == 2)
                goto conflict;
            c->not_null = 1; /* identity columns are NOT NULL in PostgreSQL */
            break;
        default:
            if (cname != NULL)
                ps_syntax_error(p, t); /* CONSTRAINT name without a constraint */
            return;
        }
        continue;
    conflict:
        ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, pos,
                "conflicting NULL/NOT NULL declarations for column \"%s\" of table \"%s\"",
                c->name, table);
    both:
        ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, pos,
                "both default and identity specified for column \"%s\" of table \"%s\"",
                c->name, table);
    }
}

static void p_table_constraint(parser *p, sql_tblcons *k)
{
    k->pos = ps_cur(p)->pos;
    if (ps_accept_kw(p, KW_CONSTRAINT))
        k->name = ps_colid(p, NULL);
    const lx_token *t = ps_cur(p);
    if (ps_accept_kw(p, KW_PRIMARY)) {
        ps_expect_kw(p, KW_KEY);
        k->kind = TC_PRIMARY_KEY;
        p_name_list(p, &k->cols, NULL, &k->ncols);
    } else if (ps_accept_kw(p, KW_UNIQUE)) {
        k->kind = TC_UNIQUE;
        p_name_list(p, &k->cols, NULL, &k->ncols);
    } else if (ps_is_kw(t, KW_CHECK)) {
        k->kind = TC_CHECK;
        k->check = p_check(p);
    } else if (ps_accept_kw(p, KW_FOREIGN)) {
        ps_expect_kw(p, KW_KEY);
        k->kind = TC_FOREIGN_KEY;
        p_name_list(p, &k->cols, NULL, &k->ncols);
        ps_expect_kw(p, KW_REFERENCES);
        k->ref_table = ps_colid(p, NULL);
        if (ps_cur(p)->kind == TK_LPAREN)
            p_name_list(p, &k->ref_cols, NULL, &k->nref);
    } else {
        ps_syntax_error(p, t);
    }
}

static int starts_table_constraint(const lx_token *t)
{
    return ps_is_kw(t, KW_CONSTRAINT) || ps_is_kw(t, KW_PRIMARY) || ps_is_kw(t, KW_UNIQUE) ||
           ps_is_kw(t, KW_CHECK) || ps_is_kw(t, KW_FOREIGN);
}

static void p_create_table(parser *p, sql_create_table *ct)
{
    if (ps_accept_kw(p, KW_IF)) {
        ps_expect_kw(p, KW_NOT);
        ps_expect_kw(p, KW_EXISTS);
        ct->if_not_exists = 1;
    }
    ct->name = ps_colid(p, NULL);
    ps_expect(p, TK_LPAREN);
    ps_vec cols = {0}, cons = {0};
    if (ps_cur(p)->kind != TK_RPAREN) {
        do {
            if (starts_table_constraint(ps_cur(p))) {
                p_table_constraint(p, ps_vec_push(p, &cons, sizeof(sql_tblcons)));
                continue;
            }
            sql_coldef *c = ps_vec_push(p, &cols, sizeof *c);
            c->name = ps_colid(p, &c->pos);
            c->tid = (uint8_t)ps_type(p, 1, &c->serial);
            c->type = (uint8_t)ty_vt(c->tid);
            c->maxlen = p->typmod;
            if (c->serial) {
                c->identity = IDENT_BY_DEFAULT;
                c->not_null = 1;
            }
            p_column_constraints(p, ct->name, c);
        } while (ps_accept(p, TK_COMMA));
    }
    ps_expect(p, TK_RPAREN);
    ct->cols = cols.a;
    ct->ncols = cols.n;
    ct->cons = cons.a;
    ct->ncons = cons.n;
}

/* After CREATE [UNIQUE] INDEX. */
static void p_create_index(parser *p, sql_create_index *ci)
{
    if (ps_accept_kw(p, KW_IF)) {
        ps_expect_kw(p, KW_NOT);
        ps_expect_kw(p, KW_EXISTS);
        ci->if_not_exists = 1;
        ci->name = ps_colid(p, NULL); /* PostgreSQL requires the name here */
    } else if (!ps_is_kw(ps_cur(p), KW_ON)) {
        ci->name = ps_colid(p, NULL);
    }
    ps_expect_kw(p, KW_ON);
    ci->table = ps_colid(p, NULL);
    ps_vec names = {0}, where = {0};
    ps_expect(p, TK_LPAREN);
    do {
        int32_t *wp = ps_vec_push(p, &where, sizeof(int32_t));
        *(const char **)ps_vec_push(p, &names, sizeof(char *)) = ps_colid(p, wp);
        const lx_token *t = ps_cur(p);
        if (ps_is_kw(t, KW_DESC))
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, t->pos,
                    "descending index columns are not supported");
        ps_accept_kw(p, KW_ASC);
    } while (ps_accept(p, TK_COMMA));
    ps_expect(p, TK_RPAREN);
    ci->cols = names.a;
    ci->col_pos = where.a;
    ci->ncols = names.n;
}

sql_stmt *ps_create(parser *p, sql_stmt *st)
{
    if (ps_accept_kw(p, KW_TABLE)) {
        st->kind = STMT_CREATE_TABLE;
        p_create_table(p, &st->u.create_table);
        return st;
    }
    int unique = ps_accept_kw(p, KW_UNIQUE);
    ps_expect_kw(p, KW_INDEX);
    st->kind = STMT_CREATE_INDEX;
    st->u.create_index.unique = (uint8_t)unique;
    p_create_index(p, &st->u.create_index);
    return st;
}

/* ---- DROP ------------------------------------------------------------------------------------ */

sql_stmt *ps_drop(parser *p, sql_stmt *st)
{
    if (ps_accept_kw(p, KW_TABLE))
        st->kind = STMT_DROP_TABLE;
    else if (ps_accept_kw(p, KW_INDEX))
        st->kind = STMT_DROP_INDEX;
    else
        ps_syntax_error(p, ps_cur(p));
    if (ps_accept_kw(p, KW_IF)) {
        ps_expect_kw(p, KW_EXISTS);
        st->u.drop.if_exists = 1;
    }
    st->u.drop.name = ps_colid(p, NULL);
    const lx_token *t = ps_cur(p);
    if (ps_is_kw(t, KW_CASCADE))
        ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, t->pos,
                "DROP ... CASCADE is not supported");
    ps_accept_kw(p, KW_RESTRICT);
    return st;
}

/* ---- transactions ---------------------------------------------------------------------------- */

/* Transaction modes, accepted and ignored: every acidb transaction is SERIALIZABLE (strict
 * two-phase locking), which is at least as strong as any level that can be asked for. */
static void p_txn_modes(parser *p)
{
    for (int first = 1;; first = 0) {
        int comma = !first && ps_accept(p, TK_COMMA);
        const lx_token *t = ps_cur(p);
        if (ps_accept_kw(p, KW_ISOLATION)) {
            ps_expect_kw(p, KW_LEVEL);
            if (ps_accept_kw(p, KW_SERIALIZABLE)) {
            } else if (ps_accept_kw(p, KW_REPEATABLE)) {
                ps_expect_kw(p, KW_READ);
            } else if (ps_accept_kw(p, KW_READ)) {
                if (!ps_accept_kw(p, KW_COMMITTED))
                    ps_expect_kw(p, KW_UNCOMMITTED);
            } else {
                ps_syntax_error(p, ps_cur(p));
            }
        } else if (ps_accept_kw(p, KW_READ)) {
            const lx_token *m = ps_cur(p);
            if (ps_is_kw(m, KW_ONLY))
                ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, m->pos,
                        "read-only transactions are not supported");
            ps_expect_kw(p, KW_WRITE);
        } else if (ps_is_kw(t, KW_NOT) && ps_is_kw(ps_peek(p, 1), KW_DEFERRABLE)) {
            ps_take(p);
            ps_take(p);
        } else if (ps_accept_kw(p, KW_DEFERRABLE)) {
        } else {
            if (comma)
                ps_syntax_error(p, t);
            return;
        }
    }
}

sql_stmt *ps_txn(parser *p, sql_stmt *st)
{
    lx_token t = ps_take(p);
    switch (t.kw) {
    case KW_START:
        ps_expect_kw(p, KW_TRANSACTION);
        st->kind = STMT_BEGIN;
        st->start_transaction = 1;
        p_txn_modes(p);
        return st;
    case KW_BEGIN:
        st->kind = STMT_BEGIN;
        if (!ps_accept_kw(p, KW_WORK))
            ps_accept_kw(p, KW_TRANSACTION);
        p_txn_modes(p);
        return st;
    case KW_COMMIT:
    case KW_END:
        st->kind = STMT_COMMIT;
        break;
    default: /* ROLLBACK, ABORT */
        st->kind = STMT_ROLLBACK;
        if (t.kw == KW_ROLLBACK && ps_is_kw(ps_cur(p), KW_TO))
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, ps_cur(p)->pos,
                    "savepoints are not supported");
        break;
    }
    if (!ps_accept_kw(p, KW_WORK))
        ps_accept_kw(p, KW_TRANSACTION);
    return st;
}

/* ---- SET ------------------------------------------------------------------------------------- */

/* SET [SESSION] name {= | TO} value — value: [-]integer, 'string', TRUE / FALSE, DEFAULT
 * (VT_NULL: reset to the default) or a bare word (text, lower-cased unless quoted). */
sql_stmt *ps_set(parser *p, sql_stmt *st)
{
    st->kind = STMT_SET;
    sql_set *s = &st->u.set;
    const lx_token *t = ps_cur(p);
    if (ps_is_kw(t, KW_SESSION) && ps_is_colid(ps_peek(p, 1)))
        ps_take(p);
    /* Setting names are case-insensitive even when quoted (PostgreSQL's GUC lookup). */
    char *name = (char *)ps_colid(p, NULL);
    for (char *c = name; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c + ('a' - 'A'));
    s->name = name;
    if (!ps_accept(p, TK_EQ))
        ps_expect_kw(p, KW_TO);
    t = ps_cur(p);
    int32_t pos = t->pos;
    int neg = 0;
    if (t->kind == TK_MINUS || t->kind == TK_PLUS) {
        neg = t->kind == TK_MINUS;
        ps_take(p);
        if (ps_cur(p)->kind != TK_INT)
            ps_syntax_error(p, ps_cur(p));
    }
    lx_token v = ps_take(p);
    switch (v.kind) {
    case TK_INT: {
        const uint64_t min_mag = UINT64_C(1) << 63;
        if (v.big || v.ival > min_mag || (!neg && v.ival == min_mag))
            ps_fail(p, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                    "value \"%s%.*s\" is out of range for type bigint", neg ? "-" : "", v.len,
                    p->sql + v.pos);
        s->v = val_int(v.ival == min_mag ? INT64_MIN : neg ? -(int64_t)v.ival : (int64_t)v.ival);
        break;
    }
    case TK_STRING: {
        sql_expr *e = ps_string_const(p, &v);
        s->v = e->v;
        break;
    }
    case TK_IDENT:
    case TK_QIDENT:
    case TK_KEYWORD:
        if (v.kind == TK_KEYWORD && (v.kw == KW_TRUE || v.kw == KW_FALSE)) {
            s->v = val_bool(v.kw == KW_TRUE);
        } else if (v.kind == TK_KEYWORD && v.kw == KW_DEFAULT) {
            s->v = val_null();
        } else {
            const char *w = ps_name(p, &v);
            s->v = val_text(w, (uint32_t)strlen(w));
        }
        break;
    default:
        ps_syntax_error(p, &v);
    }
    return st;
}
