/*
 * catalog.c — building immutable in-memory catalog versions from the catalog tree's rows
 * (see catalog.h for the on-disk layout and the versioning rules).
 */
#include "engine/catalog.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acidb.h"
#include "engine/bind.h"
#include "engine/parse.h"
#include "engine/record.h"
#include "engine/sqlerr.h"
#include "pager/status.h"
#include "engine/sqlstate.h"

/* ---- counters shared across versions ------------------------------------------------------ */

typedef struct reg_entry {
    uint64_t oid;
    cat_shared *sh;
} reg_entry;

struct cat_registry {
    pthread_mutex_t mu;
    reg_entry *e;
    int n, cap;
};

int cat_registry_create(cat_registry **out)
{
    cat_registry *r = calloc(1, sizeof *r);
    if (r == NULL)
        return ACIDB_NOMEM;
    pthread_mutex_init(&r->mu, NULL);
    *out = r;
    return ACIDB_OK;
}

void cat_registry_destroy(cat_registry *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < r->n; i++) {
        pthread_mutex_destroy(&r->e[i].sh->mu);
        free(r->e[i].sh);
    }
    free(r->e);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* The shared counters of table `oid` with ncols columns (created on first use). */
static cat_shared *registry_get(cat_registry *r, uint64_t oid, int ncols)
{
    cat_shared *sh = NULL;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++)
        if (r->e[i].oid == oid) {
            sh = r->e[i].sh;
            break;
        }
    if (sh == NULL && (r->n < r->cap || (r->e = realloc(r->e, (size_t)(r->cap = r->cap ? r->cap * 2 : 16) * sizeof *r->e)) != NULL)) {
        sh = calloc(1, sizeof *sh + (size_t)ncols * sizeof sh->seq[0]);
        if (sh != NULL) {
            pthread_mutex_init(&sh->mu, NULL);
            sh->nseq = ncols;
            r->e[r->n].oid = oid;
            r->e[r->n].sh = sh;
            r->n++;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return sh;
}

/* ---- lookups ------------------------------------------------------------------------------- */

static int cmp_table(const void *a, const void *b)
{
    return strcmp((*(cat_table *const *)a)->name, (*(cat_table *const *)b)->name);
}
static int cmp_index(const void *a, const void *b)
{
    return strcmp((*(cat_index *const *)a)->name, (*(cat_index *const *)b)->name);
}

cat_table *cat_find_table(const catalog *c, const char *name)
{
    int lo = 0, hi = c->ntables - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, d = strcmp(name, c->tables[mid]->name);
        if (d == 0)
            return c->tables[mid];
        if (d < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

cat_index *cat_find_index(const catalog *c, const char *name)
{
    for (int i = 0; i < c->nindexes; i++)
        if (strcmp(c->indexes[i]->name, name) == 0)
            return c->indexes[i];
    return NULL;
}

int cat_col_index(const cat_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

int cat_references_root(const catalog *c, uint64_t root)
{
    for (int i = 0; i < c->nrows; i++)
        if (c->rows[i].root == root)
            return 1;
    return 0;
}

/* Appends printf output to buf[*off..cap), never past it (a longer text is cut). */
__attribute__((format(printf, 4, 5))) static void key_put(char *buf, size_t cap, size_t *off,
                                                          const char *fmt, ...)
{
    if (*off + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *off, cap - *off, fmt, ap);
    va_end(ap);
    if (w > 0)
        *off += (size_t)w < cap - *off ? (size_t)w : cap - *off - 1;
}

void cat_key_text(const cat_index *ix, const uint8_t *key, size_t len, char *buf, size_t cap)
{
    size_t off = 0;
    if (cap == 0)
        return;
    buf[0] = 0;
    const cat_table *t = ix->table;
    key_put(buf, cap, &off, "(");
    for (int i = 0; i < ix->ncols; i++)
        key_put(buf, cap, &off, "%s%s", i ? ", " : "", t->cols[ix->cols[i]].name);
    key_put(buf, cap, &off, ")=(");
    arena a;
    ar_init(&a);
    size_t pos = 0;
    int i = 0;
    for (; i < ix->ncols; i++) {
        value v;
        v.type = t->cols[ix->cols[i]].type; /* keys do not record types */
        ar_mark m = ar_get_mark(&a);
        if (rec_key_decode_value(key, len, &pos, &a, &v) != 0)
            break;
        const char *sep = i ? ", " : "";
        if (v.type == VT_NULL)
            key_put(buf, cap, &off, "%snull", sep);
        else if (v.type == VT_INT)
            key_put(buf, cap, &off, "%s%lld", sep, (long long)v.u.i);
        else if (v.type == VT_BOOL)
            key_put(buf, cap, &off, "%s%s", sep, v.u.i ? "t" : "f");
        else if (ty_vt_ops(v.type) != NULL) {
            char x[128];
            size_t n = ty_vt_ops(v.type)->out(&v, x, sizeof x);
            key_put(buf, cap, &off, "%s%.*s", sep, (int)(n < sizeof x ? n : sizeof x - 1), x);
        } else if (v.type == VT_UUID) {
            char u[37];
            val_uuid_text((const uint8_t *)v.u.s, u);
            key_put(buf, cap, &off, "%s%s", sep, u);
        } else if (v.type == VT_BYTES) {
            char hex[2 + 2 * 100 + 1];
            val_bytea_hex((const uint8_t *)v.u.s, v.len > 100 ? 100 : v.len, hex);
            key_put(buf, cap, &off, "%s%s%s", sep, hex, v.len > 100 ? "..." : "");
        } else if (v.type == VT_FLOAT) {
            char f[32];
            val_float_text(v.u.f, t->cols[ix->cols[i]].tid == TY_FLOAT4, f);
            key_put(buf, cap, &off, "%s%s", sep, f);
        }
        else
            key_put(buf, cap, &off, "%s%.*s%s", sep, (int)(v.len > 200 ? 200 : v.len), v.u.s,
                    v.len > 200 ? "..." : "");
        ar_release_to(&a, m);
    }
    ar_free(&a);
    key_put(buf, cap, &off, ")");
    if (i < ix->ncols) { /* malformed: the raw bytes, so that nothing is hidden */
        key_put(buf, cap, &off, " (undecodable key:");
        for (size_t b = 0; b < len && b < 64; b++)
            key_put(buf, cap, &off, " %02x", key[b]);
        key_put(buf, cap, &off, "%s)", len > 64 ? " ..." : "");
    }
}

void cat_ref(catalog *c) { atomic_fetch_add(&c->refs, 1); }

void cat_unref(catalog *c)
{
    if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    for (int i = 0; i < c->ntables; i++)
        bt_close(c->tables[i]->tree);
    for (int i = 0; i < c->nindexes; i++)
        bt_close(c->indexes[i]->tree);
    ar_free(&c->a);
    free(c);
}

/* ---- building ------------------------------------------------------------------------------ */


static char *name_join(arena *a, const char *table, const char *const *cols, int ncols,
                       const char *suffix)
{
    size_t n = strlen(table) + strlen(suffix) + 2;
    for (int i = 0; i < ncols; i++)
        n += strlen(cols[i]) + 1;
    char *s = ar_alloc(a, n);
    if (s == NULL)
        return NULL;
    strcpy(s, table);
    for (int i = 0; i < ncols; i++) {
        strcat(s, "_");
        strcat(s, cols[i]);
    }
    strcat(s, "_");
    strcat(s, suffix);
    return s;
}

/* The single column an expression references, or NULL (PostgreSQL names a table CHECK after
 * its column when it references exactly one). */
static const char *only_column(const sql_expr *e, const char **seen)
{
    if (e == NULL)
        return *seen;
    if (e->kind == EX_COLUMN) {
        if (*seen == NULL)
            *seen = e->name;
        else if (strcmp(*seen, e->name) != 0)
            *seen = "";
    }
    only_column(e->l, seen);
    only_column(e->r, seen);
    for (int i = 0; i < e->nargs; i++)
        only_column(e->args[i], seen);
    return *seen;
}

/* The names PostgreSQL would give a table's constraints, computed identically at CREATE
 * time (to name implicit indexes) and at load time (to find them again). */
int cat_constraint_names(arena *a, const sql_create_table *ct, const char **pk_name,
                         const char **unique_names, const char **check_names,
                         const char **fk_names)
{
    /* unique_names / check_names / fk_names: one slot per column then one per table
     * constraint (NULL when that item has no such constraint). */
    int n = ct->ncols + ct->ncons;
    *pk_name = NULL;
    for (int i = 0; i < n; i++)
        unique_names[i] = check_names[i] = fk_names[i] = NULL;
    for (int i = 0; i < ct->ncols; i++) {
        const sql_coldef *c = &ct->cols[i];
        const char *col[1] = {c->name};
        if (c->primary_key)
            *pk_name = c->pk_name ? c->pk_name : name_join(a, ct->name, NULL, 0, "pkey");
        if (c->unique)
            unique_names[i] = c->unique_name ? c->unique_name : name_join(a, ct->name, col, 1, "key");
        if (c->check)
            check_names[i] = c->check_name ? c->check_name : name_join(a, ct->name, col, 1, "check");
        if (c->ref_table)
            fk_names[i] = c->fk_name ? c->fk_name : name_join(a, ct->name, col, 1, "fkey");
    }
    for (int j = 0; j < ct->ncons; j++) {
        const sql_tblcons *tc = &ct->cons[j];
        const char **slot = NULL;
        const char *nm = tc->name;
        switch (tc->kind) {
        case TC_PRIMARY_KEY:
            *pk_name = nm ? nm : name_join(a, ct->name, NULL, 0, "pkey");
            continue;
        case TC_UNIQUE:
            slot = &unique_names[ct->ncols + j];
            if (!nm)
                nm = name_join(a, ct->name, tc->cols, tc->ncols, "key");
            break;
        case TC_CHECK: {
            slot = &check_names[ct->ncols + j];
            const char *seen = NULL;
            const char *col = only_column(tc->check, &seen);
            if (!nm)
                nm = col && *col ? name_join(a, ct->name, &col, 1, "check")
                                 : name_join(a, ct->name, NULL, 0, "check");
            break;
        }
        case TC_FOREIGN_KEY:
            slot = &fk_names[ct->ncols + j];
            if (!nm)
                nm = name_join(a, ct->name, tc->cols, tc->ncols, "fkey");
            break;
        default:
            continue;
        }
        *slot = nm;
        if (nm == NULL)
            return -1;
    }
    return 0;
}

static int parse_cols_list(arena *a, const char *s, int ncols_table, int **out, int *n)
{
    int cnt = 1;
    for (const char *p = s; *p; p++)
        cnt += *p == ',';
    int *v = ar_alloc(a, (size_t)cnt * sizeof *v);
    if (v == NULL)
        return -1;
    int k = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x < 0 || x >= ncols_table)
            return -1;
        v[k++] = (int)x;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    if (k == 0)
        return -1;
    *out = v;
    *n = k;
    return 0;
}

static int build_table(catalog *c, const cat_row *row, cat_registry *reg, cat_table **out,
                       sql_error *err)
{
    arena *a = &c->a;
    sql_stmt *st = NULL;
    size_t next;
    if (row->sql == NULL)
        return sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                       "catalog entry of table \"%s\" has no CREATE TABLE text", row->name);
    int rc = sql_parse(row->sql, strlen(row->sql), 0, a, &st, &next, err);
    if (rc != ACIDB_OK || st == NULL || st->kind != STMT_CREATE_TABLE)
        return sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                       "catalog entry of table \"%s\" does not hold a CREATE TABLE statement",
                       row->name);
    sql_create_table *ct = &st->u.create_table;
    cat_table *t = ar_alloc(a, sizeof *t);
    if (t == NULL)
        return sql_err_nomem(err, "loading the catalog");
    t->name = row->name;
    t->oid = (uint64_t)row->key;
    t->root = row->root;
    t->sql = row->sql;
    t->ncols = ct->ncols;
    t->cols = ar_alloc(a, (size_t)ct->ncols * sizeof *t->cols);
    t->rowid_col = -1;
    if (t->cols == NULL)
        return sql_err_nomem(err, "loading the catalog");
    for (int i = 0; i < ct->ncols; i++) {
        const sql_coldef *d = &ct->cols[i];
        cat_column *col = &t->cols[i];
        col->name = d->name;
        col->type = d->type;
        /* A table of the legacy type format had only 64-bit integers, whatever its CREATE
         * TABLE text says (catalog.h, CAT_TYPEFMT_LEGACY). */
        col->tid = row->typefmt == CAT_TYPEFMT_LEGACY && ty_is_int(d->tid) ? TY_INT8 : d->tid;
        assert(ty_vt(col->tid) == col->type);
        col->not_null = d->not_null || d->primary_key || d->identity;
        col->identity = d->identity;
        col->serial = d->serial;
        col->maxlen = d->maxlen;
        col->def = d->def;
        if (d->def != NULL) {
            /* The default's own text is not kept by the parser; .schema shows the table's
             * CREATE statement, which contains it. */
            col->def_sql = NULL;
        }
    }
    /* Primary key: one INTEGER column is the tree key itself (the row id), as in SQLite. */
    const char **cn = NULL;
    int npk = 0;
    for (int i = 0; i < ct->ncols; i++)
        if (ct->cols[i].primary_key) {
            t->pk = ar_alloc(a, sizeof(int));
            if (t->pk == NULL)
                return sql_err_nomem(err, "loading the catalog");
            t->pk[0] = i;
            npk = 1;
        }
    for (int j = 0; j < ct->ncons; j++)
        if (ct->cons[j].kind == TC_PRIMARY_KEY) {
            const sql_tblcons *tc = &ct->cons[j];
            cn = tc->cols;
            t->pk = ar_alloc(a, (size_t)tc->ncols * sizeof(int));
            if (t->pk == NULL)
                return sql_err_nomem(err, "loading the catalog");
            for (int k = 0; k < tc->ncols; k++) {
                int ci = cat_col_index(t, cn[k]);
                if (ci < 0)
                    return sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                                   "catalog: table \"%s\": primary key column \"%s\" missing",
                                   t->name, cn[k]);
                t->pk[k] = ci;
                t->cols[ci].not_null = 1;
            }
            npk = tc->ncols;
        }
    t->npk = npk;
    if (npk == 1 && t->cols[t->pk[0]].type == VT_INT)
        t->rowid_col = t->pk[0];

    int nitems = ct->ncols + ct->ncons;
    const char **uq = ar_alloc(a, (size_t)(nitems + 1) * sizeof *uq);
    const char **ck = ar_alloc(a, (size_t)(nitems + 1) * sizeof *ck);
    const char **fk = ar_alloc(a, (size_t)(nitems + 1) * sizeof *fk);
    if (uq == NULL || ck == NULL || fk == NULL ||
        cat_constraint_names(a, ct, &t->pkey_name, uq, ck, fk) != 0)
        return sql_err_nomem(err, "loading the catalog");

    /* CHECK constraints, bound against the table itself (FROM item 0). */
    t->checks = ar_alloc(a, (size_t)(nitems + 1) * sizeof *t->checks);
    t->fk = ar_alloc(a, (size_t)(nitems + 1) * sizeof *t->fk);
    if (t->checks == NULL || t->fk == NULL)
        return sql_err_nomem(err, "loading the catalog");
    bind_src src = {t->name, t};
    bind_scope sc = {.src = &src, .nsrc = 1, .clause = "CHECK", .a = a, .err = err};
    for (int i = 0; i < nitems; i++) {
        sql_expr *e = i < ct->ncols ? ct->cols[i].check
                                    : (ct->cons[i - ct->ncols].kind == TC_CHECK
                                           ? ct->cons[i - ct->ncols].check : NULL);
        if (e == NULL)
            continue;
        if ((rc = bind_expr(&sc, e, VT_BOOL)) != ACIDB_OK)
            return rc;
        t->checks[t->nchecks].name = ck[i];
        t->checks[t->nchecks].e = e;
        t->nchecks++;
    }
    /* Defaults may not reference columns (PostgreSQL: 0A000 / 42P10). */
    bind_scope none = {.src = NULL, .nsrc = 0, .clause = "DEFAULT expressions", .a = a,
                       .err = err};
    for (int i = 0; i < ct->ncols; i++)
        if (t->cols[i].def && (rc = bind_expr(&none, t->cols[i].def, t->cols[i].tid)) != ACIDB_OK)
            return rc;
    /* Foreign keys: resolved against the referenced table once every table exists. */
    for (int i = 0; i < nitems; i++) {
        if (fk[i] == NULL)
            continue;
        cat_fkey *f = &t->fk[t->nfk++];
        f->name = fk[i];
        f->table = t;
        const char *ref_table;
        const char *const *ref_cols;
        int nref;
        if (i < ct->ncols) {
            f->ncols = 1;
            f->cols = ar_alloc(a, sizeof(int));
            if (f->cols == NULL)
                return sql_err_nomem(err, "loading the catalog");
            f->cols[0] = i;
            ref_table = ct->cols[i].ref_table;
            ref_cols = ct->cols[i].ref_col ? &ct->cols[i].ref_col : NULL;
            nref = ref_cols ? 1 : 0;
        } else {
            const sql_tblcons *tc = &ct->cons[i - ct->ncols];
            f->ncols = tc->ncols;
            f->cols = ar_alloc(a, (size_t)tc->ncols * sizeof(int));
            if (f->cols == NULL)
                return sql_err_nomem(err, "loading the catalog");
            for (int k = 0; k < tc->ncols; k++)
                if ((f->cols[k] = cat_col_index(t, tc->cols[k])) < 0)
                    return sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                                   "catalog: foreign key column \"%s\" missing", tc->cols[k]);
            ref_table = tc->ref_table;
            ref_cols = tc->ref_cols;
            nref = tc->nref;
        }
        /* Stash the names until resolution: ref is resolved by name in resolve_fks. */
        f->ref = (cat_table *)(void *)ar_strndup(a, ref_table, strlen(ref_table));
        f->ref_cols = NULL;
        f->ref_index = NULL;
        if (nref > 0) {
            const char **names = ar_alloc(a, (size_t)nref * sizeof *names);
            if (names == NULL)
                return sql_err_nomem(err, "loading the catalog");
            for (int k = 0; k < nref; k++)
                names[k] = ref_cols[k];
            f->ref_index = (cat_index *)(void *)names; /* resolved below */
            if (nref != f->ncols)
                return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_FOREIGN_KEY, -1,
                               "number of referencing and referenced columns for foreign key "
                               "disagree");
        }
    }
    t->idx = ar_alloc(a, (size_t)(nitems + 8) * sizeof *t->idx);
    if (t->idx == NULL)
        return sql_err_nomem(err, "loading the catalog");
    cat_shared *sh = registry_get(reg, t->oid, t->ncols);
    if (sh == NULL)
        return sql_err_nomem(err, "loading the catalog");
    t->sh = sh;
    *out = t;
    return ACIDB_OK;
}

/* After every table and index exists: each foreign key's parent table, columns and the unique
 * structure that makes a parent lookup a point lookup. */
static int resolve_fks(catalog *c, sql_error *err)
{
    for (int i = 0; i < c->ntables; i++) {
        cat_table *t = c->tables[i];
        for (int j = 0; j < t->nfk; j++) {
            cat_fkey *f = &t->fk[j];
            const char *ref_name = (const char *)(void *)f->ref;
            const char **names = (const char **)(void *)f->ref_index;
            cat_table *r = cat_find_table(c, ref_name);
            if (r == NULL)
                return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_TABLE, -1,
                               "relation \"%s\" does not exist", ref_name);
            f->ref = r;
            f->ref_index = NULL;
            f->ref_cols = ar_alloc(&c->a, (size_t)f->ncols * sizeof(int));
            if (f->ref_cols == NULL)
                return sql_err_nomem(err, "loading the catalog");
            if (names == NULL) {
                if (r->npk != f->ncols)
                    return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_FOREIGN_KEY, -1,
                                   r->npk == 0 ? "there is no primary key for referenced table \"%s\""
                                               : "number of referencing and referenced columns for "
                                                 "foreign key disagree (table \"%s\")", r->name);
                memcpy(f->ref_cols, r->pk, (size_t)f->ncols * sizeof(int));
            } else {
                for (int k = 0; k < f->ncols; k++)
                    if ((f->ref_cols[k] = cat_col_index(r, names[k])) < 0)
                        return sql_err(err, ACIDB_ERROR, ERRCODE_UNDEFINED_COLUMN, -1,
                                       "column \"%s\" referenced in foreign key constraint does "
                                       "not exist", names[k]);
            }
            for (int k = 0; k < f->ncols; k++)
                if (t->cols[f->cols[k]].type != r->cols[f->ref_cols[k]].type)
                    return sql_err(err, ACIDB_ERROR, ERRCODE_DATATYPE_MISMATCH,  -1,
                                   "foreign key constraint \"%s\" cannot be implemented\n"
                                   "DETAIL:  Key columns \"%s\" and \"%s\" are of incompatible "
                                   "types: %s and %s.",
                                   f->name, t->cols[f->cols[k]].name, r->cols[f->ref_cols[k]].name,
                                   ty_name(t->cols[f->cols[k]].tid),
                                   ty_name(r->cols[f->ref_cols[k]].tid));
            /* The unique structure: the row id, or a unique index on exactly these columns. */
            int found = f->ncols == 1 && r->rowid_col == f->ref_cols[0];
            for (int x = 0; !found && x < r->nidx; x++) {
                cat_index *ix = r->idx[x];
                if (!ix->unique || ix->ncols != f->ncols)
                    continue;
                int same = 1;
                for (int k = 0; k < f->ncols; k++)
                    same &= ix->cols[k] == f->ref_cols[k];
                if (same) {
                    f->ref_index = ix;
                    found = 1;
                }
            }
            if (!found)
                return sql_err(err, ACIDB_ERROR, ERRCODE_INVALID_FOREIGN_KEY, -1,
                               "there is no unique constraint matching given keys for referenced "
                               "table \"%s\"", r->name);
            /* Register on the parent (capacity: every table's fk count is bounded by its
             * items; allocate exactly). */
            cat_fkey **nr = ar_alloc(&c->a, (size_t)(r->nrefby + 1) * sizeof *nr);
            if (nr == NULL)
                return sql_err_nomem(err, "loading the catalog");
            if (r->nrefby)
                memcpy(nr, r->refby, (size_t)r->nrefby * sizeof *nr);
            nr[r->nrefby++] = f;
            r->refby = nr;
        }
    }
    return ACIDB_OK;
}

int cat_build(const cat_row *rows, int nrows, cat_registry *reg, pgr *p, uint64_t version,
              catalog **out, sql_error *err)
{
    catalog *c = calloc(1, sizeof *c);
    if (c == NULL)
        return sql_err_nomem(err, "loading the catalog");
    atomic_init(&c->refs, 1);
    c->version = version;
    ar_init(&c->a);
    int rc = ACIDB_OK;
    c->rows = ar_alloc(&c->a, (size_t)(nrows + 1) * sizeof *c->rows);
    c->tables = ar_alloc(&c->a, (size_t)(nrows + 1) * sizeof *c->tables);
    c->indexes = ar_alloc(&c->a, (size_t)(nrows + 1) * sizeof *c->indexes);
    if (c->rows == NULL || c->tables == NULL || c->indexes == NULL) {
        ar_free(&c->a); /* nothing is open yet: no trees to close */
        free(c);
        return sql_err_nomem(err, "loading the catalog");
    }
    c->next_oid = 1;
    /* Copy the rows (their strings) into the version's arena. */
    for (int i = 0; i < nrows; i++) {
        cat_row r = rows[i];
#define DUP(f)                                                                             \
    if (r.f && (r.f = ar_strndup(&c->a, r.f, strlen(r.f))) == NULL) {                      \
        rc = sql_err_nomem(err, "loading the catalog");                                    \
        goto fail;                                                                         \
    }
        DUP(kind) DUP(name) DUP(tbl) DUP(sql) DUP(cols)
#undef DUP
        c->rows[c->nrows++] = r;
        if (r.key >= c->next_oid)
            c->next_oid = r.key + 1;
    }
    for (int i = 0; i < c->nrows && rc == ACIDB_OK; i++)
        if (strcmp(c->rows[i].kind, "table") == 0)
            rc = build_table(c, &c->rows[i], reg, &c->tables[c->ntables++], err);
    if (rc != ACIDB_OK)
        goto fail;
    qsort(c->tables, (size_t)c->ntables, sizeof *c->tables, cmp_table);
    for (int i = 0; i < c->nrows; i++) {
        const cat_row *r = &c->rows[i];
        if (strcmp(r->kind, "index") != 0)
            continue;
        cat_table *t = cat_find_table(c, r->tbl);
        cat_index *ix = ar_alloc(&c->a, sizeof *ix);
        if (ix == NULL) {
            rc = sql_err_nomem(err, "loading the catalog");
            goto fail;
        }
        if (t == NULL || r->cols == NULL ||
            parse_cols_list(&c->a, r->cols, t->ncols, &ix->cols, &ix->ncols) != 0) {
            rc = sql_err(err, ACIDB_CORRUPT, ERRCODE_DATA_CORRUPTED, -1,
                         "catalog entry of index \"%s\" is "
                         "malformed (table \"%s\")", r->name, r->tbl ? r->tbl : "?");
            goto fail;
        }
        ix->name = r->name;
        ix->table = t;
        ix->oid = (uint64_t)r->key;
        ix->root = r->root;
        ix->unique = r->unique;
        ix->primary = r->primary;
        ix->implicit = r->sql == NULL;
        ix->sql = r->sql;
        /* Capacity of t->idx: items + 8 from build_table; more explicit indexes grow it. */
        cat_index **ni = ar_alloc(&c->a, (size_t)(t->nidx + 1) * sizeof *ni);
        if (ni == NULL) {
            rc = sql_err_nomem(err, "loading the catalog");
            goto fail;
        }
        if (t->nidx)
            memcpy(ni, t->idx, (size_t)t->nidx * sizeof *ni);
        ni[t->nidx++] = ix;
        t->idx = ni;
        c->indexes[c->nindexes++] = ix;
    }
    qsort(c->indexes, (size_t)c->nindexes, sizeof *c->indexes, cmp_index);
    if ((rc = resolve_fks(c, err)) != ACIDB_OK)
        goto fail;
    for (int i = 0; i < c->ntables; i++) {
        int st = bt_open(p, c->tables[i]->root, BT_TABLE, &c->tables[i]->tree);
        if (st != ST_OK) {
            rc = sql_err_status(err, st, "opening a table's tree");
            goto fail;
        }
    }
    for (int i = 0; i < c->nindexes; i++) {
        int st = bt_open(p, c->indexes[i]->root, BT_INDEX, &c->indexes[i]->tree);
        if (st != ST_OK) {
            rc = sql_err_status(err, st, "opening an index's tree");
            goto fail;
        }
    }
    *out = c;
    return ACIDB_OK;
fail:
    for (int i = 0; i < c->ntables; i++)
        if (c->tables[i])
            bt_close(c->tables[i]->tree);
    for (int i = 0; i < c->nindexes; i++)
        bt_close(c->indexes[i]->tree);
    ar_free(&c->a);
    free(c);
    return rc;
}
