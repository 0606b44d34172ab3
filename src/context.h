/*
** context.h
** A SecureContext's SSL_CTX, for the files that start TLS on a stream.
*/
#ifndef LUATLS_CONTEXT_H
#define LUATLS_CONTEXT_H

#include <openssl/ssl.h>
#include "luatls.h"

SSL_CTX *lt_checkcontext(lua_State *L, int idx);

#endif
