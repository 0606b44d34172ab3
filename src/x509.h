/*
** x509.h
** A certificate as Node's certificate object.
*/
#ifndef LUATLS_X509_H
#define LUATLS_X509_H

#include <openssl/x509.h>
#include "luatls.h"

#define X509_MT "luatls.X509"
#define PKEY_MT "luatls.KeyObject"

void lt_push_x509(lua_State *L, X509 *x, int raw_only);
void lt_push_x509_object(lua_State *L, X509 *x);

#endif
