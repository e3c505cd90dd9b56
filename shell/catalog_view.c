/*
 * catalog_view.c — the schema as the shell sees it: acidb_get_schema's copy of the committed
 * schema (tables with their CREATE text, columns, indexes and constraints), and a lookup by
 * table name. A session's own uncommitted DDL is not visible here until it commits.
 */
#include <string.h>

#include "shell.h"

acidb_schema *cv_load(acidb_db *db)
{
    acidb_schema *s = NULL;
    int rc = acidb_get_schema(db, &s);
    if (rc != ACIDB_OK)
        fprintf(stderr, "ERROR:  cannot read the schema: %s\n", acidb_errstr(rc));
    return s;
}

const acidb_table_info *cv_table_find(const acidb_schema *s, const char *name)
{
    for (int i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, name) == 0)
            return &s->tables[i];
    return NULL;
}
