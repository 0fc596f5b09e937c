#ifndef MDCA_CCURL_SHIM_H
#define MDCA_CCURL_SHIM_H
#include <curl/curl.h>
#endif
