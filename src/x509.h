/*
** x509.h
** A certificate as Node's certificate object.
*/
#ifndef LUATLS_X509_H
#define LUATLS_X509_H

#include <openssl/x509.h>
#include "luatls.h"

void lt_push_x509(lua_State *L, X509 *x, int raw_only);

#endif
