/*
** scratch.h
** A scratch userdata holds the OpenSSL objects a function needs while it
** builds Lua values: any Lua call that allocates may raise, and the error
** must not leak them. The finalizer frees what is still held.
*/
#ifndef LUATLS_SCRATCH_H
#define LUATLS_SCRATCH_H

#include <lua.h>

typedef void (*lt_freefn)(void *);
typedef struct lt_scratch lt_scratch;

lt_scratch *lt_scratch_new(lua_State *L);   /* pushes it */
/* p (may be NULL) now belongs to s; returns p */
void *lt_hold(lua_State *L, lt_scratch *s, void *p, lt_freefn f);
void lt_release(lt_scratch *s, void *p);    /* frees p now */
void lt_scratch_free(lt_scratch *s);        /* frees everything held */

void lt_free_openssl(void *p);              /* OPENSSL_free */

#endif
