/*
 * parse_expr.c — expressions and type names.
 *
 * Precedence climbing over PostgreSQL's table (lowest first): OR; AND; NOT (prefix, right);
 * IS / ISNULL / NOTNULL (postfix); comparisons (non-associative); BETWEEN / IN / LIKE / ILIKE
 * (non-associative); || ; + - ; * / % ; unary + - ; :: ; primaries. One ps_expr frame plus
 * one primary frame per nesting level, and the depth counter (SQL_MAX_DEPTH) is checked on
 * every ps_expr entry, so `((((...` or `NOT NOT ...` of any length ends in 54001, never in a
 * stack overflow.
 *
 * Positions: an operator node's pos is its operator's offset (PostgreSQL reports
 * "operator does not exist" there); other nodes take their first token's offset.
 */
#include <string.h>
#include <strings.h>

#include "engine/acidb.h"
#include "engine/parse.h"
#include "engine/parse_int.h"
#include "engine/sqlstate.h"

sql_expr *ps_new_expr(parser *p, int kind, int32_t pos)
{
    sql_expr *e = ps_alloc(p, sizeof *e);
    e->kind = (uint8_t)kind;
    e->pos = pos;
    return e;
}

sql_expr *ps_default_mark(parser *p, int32_t pos)
{
    sql_expr *e = ps_new_expr(p, EX_CONST, pos);
    e->v = val_null();
    e->param = SQL_DEFAULT_MARK;
    return e;
}

static sql_expr *new_op(parser *p, int kind, int op, int32_t pos, sql_expr *l, sql_expr *r)
{
    sql_expr *e = ps_new_expr(p, kind, pos);
    e->op = (uint8_t)op;
    e->l = l;
    e->r = r;
    return e;
}

/* ---- type names ------------------------------------------------------------------------------ */

/* [( n )] after VARCHAR / CHARACTER VARYING / CHAR / CHARACTER: n is checked and left in
 * p->typmod (column definitions enforce it, casts truncate to it). */
static void p_type_length(parser *p, const char *type)
{
    if (!ps_accept(p, TK_LPAREN))
        return;
    lx_token n = ps_take(p);
    if (n.kind != TK_INT)
        ps_syntax_error(p, &n);
    if (n.ival == 0)
        ps_fail(p, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, n.pos,
                "length for type %s must be at least 1", type);
    if (n.big || n.ival > 10485760)
        ps_fail(p, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, n.pos,
                "length for type %s cannot exceed 10485760", type);
    ps_expect(p, TK_RPAREN);
    p->typmod = (int32_t)n.ival;
}

/* [( p [, s] )] after a module type with TYPMOD_PREC_SCALE (NUMERIC): checked as PostgreSQL's
 * numerictypmodin checks it and left in p->typmod as (p << 16 | s) + 4; -1 when absent. */
static void p_prec_scale(parser *p, const char *type)
{
    p->typmod = -1;
    if (!ps_accept(p, TK_LPAREN))
        return;
    lx_token pt = ps_take(p);
    if (pt.kind != TK_INT)
        ps_syntax_error(p, &pt);
    uint64_t scale = 0;
    int32_t spos = pt.pos;
    if (ps_accept(p, TK_COMMA)) {
        lx_token st = ps_take(p);
        if (st.kind != TK_INT)
            ps_syntax_error(p, &st);
        scale = st.big ? UINT64_MAX : st.ival;
        spos = st.pos;
    }
    ps_expect(p, TK_RPAREN);
    if (pt.big || pt.ival < 1 || pt.ival > 1000)
        ps_fail(p, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, pt.pos,
                "%s precision %llu must be between 1 and 1000", type,
                (unsigned long long)pt.ival);
    if (scale > pt.ival)
        ps_fail(p, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, spos,
                "%s scale %llu must be between 0 and precision %llu", type,
                (unsigned long long)scale, (unsigned long long)pt.ival);
    p->typmod = (int32_t)((pt.ival << 16) | scale) + 4;
}

/* [( p )] after FLOAT: PostgreSQL's rule, p in bits of mantissa: 1..24 is real, 25..53
 * double precision (22023 outside). */
static int p_float_precision(parser *p)
{
    if (!ps_accept(p, TK_LPAREN))
        return TY_FLOAT8;
    lx_token n = ps_take(p);
    if (n.kind != TK_INT)
        ps_syntax_error(p, &n);
    if (n.ival < 1)
        ps_fail(p, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, n.pos,
                "precision for type float must be at least 1 bit");
    if (n.big || n.ival > 53)
        ps_fail(p, ACIDB_ERROR, ERRCODE_INVALID_PARAMETER_VALUE, n.pos,
                "precision for type float must be less than 54 bits");
    ps_expect(p, TK_RPAREN);
    return n.ival <= 24 ? TY_FLOAT4 : TY_FLOAT8;
}

int ps_type(parser *p, int allow_serial, uint8_t *serial)
{
    const lx_token *t = ps_cur(p);
    if (!(t->kind == TK_IDENT || t->kind == TK_QIDENT ||
          (t->kind == TK_KEYWORD && lx_keyword_category(t->kw) != KWC_RESERVED)))
        ps_syntax_error(p, t);
    lx_token tok = ps_take(p);
    const char *name = ps_name(p, &tok);
    p->typmod = 0;
    if (serial)
        *serial = 0;
    if ((strcmp(name, "character") == 0 || strcmp(name, "char") == 0) && tok.kind != TK_QIDENT &&
        ps_accept_kw(p, KW_VARYING)) {
        p_type_length(p, "varchar");
        return TY_VARCHAR;
    }
    if (strcmp(name, "double") == 0 && tok.kind != TK_QIDENT) {
        const lx_token *n = ps_cur(p);
        if (n->kind == TK_IDENT && n->len == 9 && strncasecmp(p->sql + n->pos, "precision", 9) == 0) {
            ps_take(p);
            return TY_FLOAT8;
        }
    }
    int tid = ty_lookup(name, allow_serial, serial);
    if (tid == TY_FLOAT8 && strcmp(name, "float") == 0 && tok.kind != TK_QIDENT)
        return p_float_precision(p);
    if (tid == TY_NONE)
        ps_fail(p, ACIDB_ERROR, ERRCODE_UNDEFINED_OBJECT, tok.pos, "type \"%s\" does not exist",
                name);
    if (tid == TY_VARCHAR)
        p_type_length(p, "varchar");
    if (ty_get(tid)->typmod == TYPMOD_PREC_SCALE)
        p_prec_scale(p, ty_get(tid)->sql_name);
    if (tid == TY_BPCHAR) {
        p_type_length(p, "char");
        if (p->typmod == 0 && strcmp(name, "bpchar") != 0)
            p->typmod = 1; /* CHAR alone is CHAR(1); bpchar alone has no limit */
    }
    return tid;
}

/* ---- primaries ------------------------------------------------------------------------------- */

static void note_param(parser *p, const lx_token *t, sql_expr *e)
{
    int style = t->kind == TK_PARAM ? 1 : 2;
    if (p->param_style != 0 && p->param_style != style)
        ps_fail(p, ACIDB_ERROR, ERRCODE_SYNTAX_ERROR, t->pos,
                "cannot mix \"$n\" and \"?\" parameters in one statement");
    p->param_style = style;
    e->param = style == 1 ? (int)t->ival : ++p->nqmarks;
    ps_vec v = {p->param_nodes, p->nparam_nodes, p->cap_param_nodes};
    *(sql_expr **)ps_vec_push(p, &v, sizeof(sql_expr *)) = e;
    p->param_nodes = v.a;
    p->nparam_nodes = v.n;
    p->cap_param_nodes = v.cap;
    if (e->param > p->nparams)
        p->nparams = e->param;
}

/* An integer literal, negated when `neg` (the unary minus was folded into it, so that
 * -9223372036854775808 is a constant and not the negation of an out-of-range one). */
static sql_expr *int_const(parser *p, const lx_token *t, int neg, int32_t pos)
{
    const uint64_t min_mag = UINT64_C(1) << 63;
    if (t->big || t->ival > min_mag || (!neg && t->ival == min_mag))
        ps_fail(p, ACIDB_RANGE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                "value \"%s%.*s\" is out of range for type bigint",
                neg ? "-" : "", t->len, p->sql + t->pos);
    sql_expr *e = ps_new_expr(p, EX_CONST, pos);
    if (neg)
        e->v = val_int(t->ival == min_mag ? INT64_MIN : -(int64_t)t->ival);
    else
        e->v = val_int((int64_t)t->ival);
    return e;
}

/* A number with a fraction or an exponent: a constant of type numeric holding its text
 * (with the folded minus sign), which the type checker converts where a float is wanted
 * (engine/types.h, TY_NUMERIC). */
static sql_expr *numeric_const(parser *p, const lx_token *t, int neg, int32_t pos)
{
    size_t n = (size_t)t->len;
    char *out = ps_alloc(p, n + 2);
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    memcpy(out + k, p->sql + t->pos, n);
    out[k + n] = '\0';
    sql_expr *e = ps_new_expr(p, EX_CONST, pos);
    e->v = val_text(out, (uint32_t)(k + n));
    e->tid = TY_NUMERIC;
    return e;
}

sql_expr *ps_string_const(parser *p, const lx_token *t)
{
    const char *s = p->sql + t->pos;
    size_t n = (size_t)t->len;
    char *out = ps_alloc(p, n - 1), *o = out;
    for (size_t i = 1; i + 1 < n; i++) {
        *o++ = s[i];
        if (s[i] == '\'')
            i++; /* '' */
    }
    *o = '\0';
    sql_expr *e = ps_new_expr(p, EX_CONST, t->pos);
    e->v = val_text(out, (uint32_t)(o - out));
    return e;
}

static sql_expr *p_case(parser *p, int32_t pos)
{
    sql_expr *e = ps_new_expr(p, EX_CASE, pos);
    if (!ps_is_kw(ps_cur(p), KW_WHEN))
        e->l = ps_a_expr(p);
    ps_vec v = {0};
    if (!ps_is_kw(ps_cur(p), KW_WHEN))
        ps_syntax_error(p, ps_cur(p));
    while (ps_accept_kw(p, KW_WHEN)) {
        *(sql_expr **)ps_vec_push(p, &v, sizeof(sql_expr *)) = ps_a_expr(p);
        ps_expect_kw(p, KW_THEN);
        *(sql_expr **)ps_vec_push(p, &v, sizeof(sql_expr *)) = ps_a_expr(p);
    }
    if (ps_accept_kw(p, KW_ELSE))
        e->r = ps_a_expr(p);
    ps_expect_kw(p, KW_END);
    e->args = v.a;
    e->nargs = v.n;
    return e;
}

/* name ( [*] | [DISTINCT|ALL] expr {, expr} | ) — the '(' is the current token. */
static sql_expr *p_call(parser *p, const char *name, int32_t pos)
{
    sql_expr *e = ps_new_expr(p, EX_FUNC, pos);
    e->name = name;
    ps_expect(p, TK_LPAREN);
    if (ps_accept(p, TK_STAR)) {
        e->star = 1;
    } else if (ps_cur(p)->kind != TK_RPAREN) {
        if (ps_accept_kw(p, KW_DISTINCT))
            e->distinct = 1;
        else
            ps_accept_kw(p, KW_ALL);
        ps_vec v = {0};
        do {
            *(sql_expr **)ps_vec_push(p, &v, sizeof(sql_expr *)) = ps_a_expr(p);
        } while (ps_accept(p, TK_COMMA));
        e->args = v.a;
        e->nargs = v.n;
    }
    ps_expect(p, TK_RPAREN);
    return e;
}

static sql_expr *p_primary(parser *p)
{
    lx_token t = *ps_cur(p);
    sql_expr *e;
    switch (t.kind) {
    case TK_INT:
        ps_take(p);
        return int_const(p, &t, 0, t.pos);
    case TK_NUMERIC:
        ps_take(p);
        return numeric_const(p, &t, 0, t.pos);
    case TK_STRING:
        ps_take(p);
        return ps_string_const(p, &t);
    case TK_PARAM:
    case TK_QMARK:
        ps_take(p);
        e = ps_new_expr(p, EX_PARAM, t.pos);
        note_param(p, &t, e);
        return e;
    case TK_LPAREN:
        ps_take(p);
        if (ps_is_kw(ps_cur(p), KW_SELECT))
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, ps_cur(p)->pos,
                    "subqueries are not supported");
        e = ps_a_expr(p);
        ps_expect(p, TK_RPAREN);
        return e;
    case TK_KEYWORD:
        switch (t.kw) {
        case KW_TRUE:
        case KW_FALSE:
            ps_take(p);
            e = ps_new_expr(p, EX_CONST, t.pos);
            e->v = val_bool(t.kw == KW_TRUE);
            return e;
        case KW_NULL:
            ps_take(p);
            e = ps_new_expr(p, EX_CONST, t.pos);
            e->v = val_null();
            return e;
        case KW_CASE:
            ps_take(p);
            return p_case(p, t.pos);
        case KW_CAST:
            ps_take(p);
            ps_expect(p, TK_LPAREN);
            e = ps_new_expr(p, EX_CAST, t.pos);
            e->l = ps_a_expr(p);
            ps_expect_kw(p, KW_AS);
            e->cast_type = (uint8_t)ps_type(p, 0, NULL);
            e->typmod = p->typmod;
            ps_expect(p, TK_RPAREN);
            return e;
        default:
            break;
        }
        break;
    default:
        break;
    }
    /* column, table.column, or function call */
    int cat = t.kind == TK_KEYWORD ? lx_keyword_category(t.kw) : KWC_UNRESERVED;
    int call = ps_peek(p, 1)->kind == TK_LPAREN;
    if (t.kind != TK_IDENT && t.kind != TK_QIDENT &&
        !(t.kind == TK_KEYWORD &&
          (cat == KWC_UNRESERVED || (cat == KWC_COLNAME && !call) ||
           (cat == KWC_TYPEFUNC && call))))
        ps_syntax_error(p, &t);
    ps_take(p);
    const char *name = ps_name(p, &t);
    if (call)
        return p_call(p, name, t.pos);
    e = ps_new_expr(p, EX_COLUMN, t.pos);
    e->name = name;
    if (ps_cur(p)->kind == TK_DOT) {
        ps_take(p);
        lx_token c = ps_take(p);
        if (!ps_is_label(&c))
            ps_syntax_error(p, &c);
        e->table = name;
        e->name = ps_name(p, &c);
    }
    return e;
}

/* ---- operators ------------------------------------------------------------------------------- */

static int is_like_kw(const lx_token *t)
{
    return t->kind == TK_KEYWORD &&
           (t->kw == KW_BETWEEN || t->kw == KW_IN || t->kw == KW_LIKE || t->kw == KW_ILIKE);
}

/* Precedence of the current token as an infix / postfix operator, 0 if it is none. */
static int infix_prec(parser *p)
{
    const lx_token *t = ps_cur(p);
    switch (t->kind) {
    case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE: return PREC_CMP;
    case TK_CONCAT: return PREC_OP;
    case TK_PLUS: case TK_MINUS: return PREC_ADD;
    case TK_STAR: case TK_SLASH: case TK_PERCENT: return PREC_MUL;
    case TK_CAST: return PREC_CAST;
    case TK_KEYWORD:
        switch (t->kw) {
        case KW_OR: return PREC_OR;
        case KW_AND: return PREC_AND;
        case KW_IS: case KW_ISNULL: case KW_NOTNULL: return PREC_IS;
        case KW_BETWEEN: case KW_IN: case KW_LIKE: case KW_ILIKE: return PREC_LIKE;
        case KW_NOT: return is_like_kw(ps_peek(p, 1)) ? PREC_LIKE : 0;
        default: return 0;
        }
    default:
        return 0;
    }
}

static int binary_op(int kind)
{
    switch (kind) {
    case TK_EQ: return OP_EQ;
    case TK_NE: return OP_NE;
    case TK_LT: return OP_LT;
    case TK_LE: return OP_LE;
    case TK_GT: return OP_GT;
    case TK_GE: return OP_GE;
    case TK_CONCAT: return OP_CONCAT;
    case TK_PLUS: return OP_ADD;
    case TK_MINUS: return OP_SUB;
    case TK_STAR: return OP_MUL;
    case TK_SLASH: return OP_DIV;
    default: return OP_MOD;
    }
}

/* l IS [NOT] NULL|TRUE|FALSE, l ISNULL, l NOTNULL */
static sql_expr *p_is(parser *p, sql_expr *l)
{
    lx_token op = ps_take(p);
    if (op.kw != KW_IS) {
        sql_expr *e = new_op(p, EX_IS_NULL, OP_NONE, op.pos, l, NULL);
        e->negate = op.kw == KW_NOTNULL;
        return e;
    }
    int neg = ps_accept_kw(p, KW_NOT);
    const lx_token *t = ps_cur(p);
    sql_expr *e;
    if (ps_is_kw(t, KW_NULL)) {
        e = new_op(p, EX_IS_NULL, OP_NONE, op.pos, l, NULL);
    } else if (ps_is_kw(t, KW_TRUE) || ps_is_kw(t, KW_FALSE)) {
        e = new_op(p, EX_IS_BOOL, OP_NONE, op.pos, l, NULL);
        e->v = val_bool(t->kw == KW_TRUE);
    } else {
        ps_syntax_error(p, t);
    }
    ps_take(p);
    e->negate = (uint8_t)neg;
    return e;
}

/* l [NOT] BETWEEN a AND b | l [NOT] IN (list) | l [NOT] LIKE|ILIKE r [ESCAPE c] */
static sql_expr *p_like_group(parser *p, sql_expr *l)
{
    int32_t pos = ps_cur(p)->pos;
    int neg = ps_accept_kw(p, KW_NOT);
    lx_token op = ps_take(p);
    sql_expr *e;
    if (op.kw == KW_BETWEEN) {
        e = new_op(p, EX_BETWEEN, OP_NONE, pos, l, NULL);
        e->args = ps_alloc(p, 2 * sizeof(sql_expr *));
        e->nargs = 2;
        e->args[0] = ps_expr(p, PREC_LIKE + 1);
        ps_expect_kw(p, KW_AND);
        e->args[1] = ps_expr(p, PREC_LIKE + 1);
    } else if (op.kw == KW_IN) {
        e = new_op(p, EX_IN, OP_NONE, pos, l, NULL);
        ps_expect(p, TK_LPAREN);
        if (ps_is_kw(ps_cur(p), KW_SELECT))
            ps_fail(p, ACIDB_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED, ps_cur(p)->pos,
                    "subqueries are not supported");
        ps_vec v = {0};
        do {
            *(sql_expr **)ps_vec_push(p, &v, sizeof(sql_expr *)) = ps_a_expr(p);
        } while (ps_accept(p, TK_COMMA));
        ps_expect(p, TK_RPAREN);
        e->args = v.a;
        e->nargs = v.n;
    } else {
        e = new_op(p, EX_LIKE, OP_NONE, pos, l, ps_expr(p, PREC_LIKE + 1));
        e->ilike = op.kw == KW_ILIKE;
        if (ps_accept_kw(p, KW_ESCAPE)) {
            e->args = ps_alloc(p, sizeof(sql_expr *));
            e->args[0] = ps_expr(p, PREC_LIKE + 1);
            e->nargs = 1;
        }
    }
    e->negate = (uint8_t)neg;
    return e;
}

sql_expr *ps_expr(parser *p, int minprec)
{
    const lx_token *t = ps_cur(p);
    if (++p->depth > SQL_MAX_DEPTH)
        ps_fail(p, ACIDB_TOOBIG, ERRCODE_STATEMENT_TOO_COMPLEX, t->pos,
                "statement is too complex: nesting exceeds %d levels", SQL_MAX_DEPTH);
    sql_expr *l;
    int32_t pos = t->pos;
    if (ps_is_kw(t, KW_NOT)) {
        ps_take(p);
        l = new_op(p, EX_UNARY, OP_NOT, pos, ps_expr(p, PREC_NOT), NULL);
    } else if (t->kind == TK_MINUS && ps_peek(p, 1)->kind == TK_INT &&
               ps_peek(p, 2)->kind != TK_CAST) {
        ps_take(p);
        lx_token n = ps_take(p);
        l = int_const(p, &n, 1, pos);
    } else if (t->kind == TK_MINUS && ps_peek(p, 1)->kind == TK_NUMERIC &&
               ps_peek(p, 2)->kind != TK_CAST) {
        ps_take(p);
        lx_token n = ps_take(p);
        l = numeric_const(p, &n, 1, pos);
    } else if (t->kind == TK_MINUS || t->kind == TK_PLUS) {
        int op = t->kind == TK_MINUS ? OP_NEG : OP_POS;
        ps_take(p);
        l = new_op(p, EX_UNARY, op, pos, ps_expr(p, PREC_UNARY), NULL);
    } else {
        l = p_primary(p);
    }

    int last = PREC_NONE; /* precedence of the last operator applied in this frame */
    int chain = 0;        /* operators applied in this frame: each deepens the tree by one */
    for (;;) {
        int prec = infix_prec(p);
        if (prec == PREC_NONE || prec < minprec)
            break;
        if (p->depth + ++chain > SQL_MAX_TREE_DEPTH)
            ps_fail(p, ACIDB_TOOBIG, ERRCODE_STATEMENT_TOO_COMPLEX, ps_cur(p)->pos,
                    "statement is too complex: an expression is more than %d operators deep",
                    SQL_MAX_TREE_DEPTH);
        /* Comparisons and BETWEEN/IN/LIKE do not associate: `a < b < c` is an error. */
        if ((prec == PREC_CMP || prec == PREC_LIKE) && last == prec)
            ps_syntax_error(p, ps_cur(p));
        last = prec;
        t = ps_cur(p);
        pos = t->pos;
        int kind = t->kind;
        if (prec == PREC_IS) {
            l = p_is(p, l);
        } else if (prec == PREC_LIKE) {
            l = p_like_group(p, l);
        } else if (prec == PREC_CAST) {
            ps_take(p);
            sql_expr *e = new_op(p, EX_CAST, OP_NONE, pos, l, NULL);
            e->cast_type = (uint8_t)ps_type(p, 0, NULL);
            e->typmod = p->typmod;
            l = e;
        } else if (prec == PREC_OR || prec == PREC_AND) {
            ps_take(p);
            l = new_op(p, EX_BINARY, prec == PREC_OR ? OP_OR : OP_AND, pos, l,
                       ps_expr(p, prec + 1));
        } else {
            ps_take(p);
            l = new_op(p, EX_BINARY, binary_op(kind), pos, l, ps_expr(p, prec + 1));
        }
    }
    p->depth--;
    return l;
}
